# Copyright 2026 virtiofs-scaphandre developers
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Base class of the tests that log in to the guest and read the share."""

import collections

from tempest.common.utils.linux import remote_client
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.common import metadata
from virtiofs_scaphandre_tempest_plugin.common import requirements

CONF = config.CONF

# A server and its share as the guest sees it.
Guest = collections.namedtuple('Guest', ['server', 'share'])


class ShareScenarioTest(base.VirtiofsScaphandreTest):
    """Boots guests that can be reached over SSH, checks what they read."""

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.COMPUTE_SSH,
                requirements.GUEST_SSH)
    # The guest needs a network to be reached over SSH.
    create_default_network = True

    def guest_image(self):
        return self.vs_conf.image_ref or CONF.compute.image_ref

    @classmethod
    def _guest(cls, server, resources):
        remote = remote_client.RemoteClient(
            cls.get_server_ip(server, resources),
            cls.vs_conf.image_ssh_user,
            pkey=resources['keypair']['private_key'],
            server=server, servers_client=cls.servers_client)
        return Guest(server, guest_share.GuestShare(remote,
                                                    cls.vs_conf.mount_tag))

    @classmethod
    def boot_class_guest(cls, **kwargs):
        """A power-metrics guest shared by the tests of the class.

        Tests of one class run one after the other (tempest groups them
        by class), so each test mounts the share the way it needs.
        ``kwargs`` go to the server create request (e.g. scheduler_hints).
        """
        resources = cls.get_class_validation_resources(cls.os_primary)
        server = cls.create_test_server(
            flavor=cls.vs_conf.power_metrics_flavor_ref,
            image_id=cls.vs_conf.image_ref or CONF.compute.image_ref,
            validatable=True,
            validation_resources=resources, wait_until='SSHABLE', **kwargs)
        return cls._guest(server, resources)

    def boot_guest(self, flavor_id=None, **kwargs):
        """A power-metrics server (or ``flavor_id``) reachable over SSH.

        It belongs to the primary project, which owns the SSH key; it is
        therefore not pinned to a host (that needs admin). ``kwargs`` go
        to the server create request (e.g. scheduler_hints).
        """
        if flavor_id is None:
            flavor_id = self.power_metrics_flavor()[0]['id']
        resources = self.get_test_validation_resources(self.os_primary)
        server = self.create_server(
            flavor_id, self.guest_image(), validatable=True,
            validation_resources=resources, wait_until='SSHABLE', **kwargs)
        return self._guest(server, resources)

    def wait_for_ssh(self, guest):
        """Log in again once the guest has booted (after a reboot)."""
        guest.share.remote.validate_authentication()

    def assert_guest_has_virtiofs(self, guest):
        if not guest.share.has_virtiofs():
            self.fail('the kernel of image %s has no virtiofs (CirrOS 0.6.3 '
                      'or later has it; 0.6.0 to 0.6.2 do not): set '
                      '[virtiofs_scaphandre] image_ref' % self.guest_image())

    def wait_for_tag_in_metadata(self, guest):
        seen = {}

        def tag_listed():
            try:
                text = guest.share.remote.exec_command(
                    'curl -sf %s' % metadata.META_DATA_URL)
                seen['tags'] = metadata.share_tags(text)
            except (lib_exc.SSHExecCommandFailed, ValueError) as e:
                # The metadata service may answer a little after SSH works.
                seen['error'] = str(e)
                return False
            return self.vs_conf.mount_tag in seen['tags']

        if not test_utils.call_until_true(tag_listed,
                                          CONF.compute.build_timeout,
                                          CONF.compute.build_interval):
            self.fail('tag %r of server %s never showed in %s; share tags '
                      'seen: %s; last error: %s'
                      % (self.vs_conf.mount_tag, guest.server['id'],
                         metadata.META_DATA_URL, seen.get('tags'),
                         seen.get('error')))

    def write_sentinel(self, host, instance_name, content=None):
        """Write a new file into the instance's directory on ``host``.

        :returns: (file name, content).
        """
        compute = self.compute_client(host)
        name = data_utils.rand_name('sentinel')
        content = content or data_utils.rand_uuid()
        directory = domain_xml.writable_dir(self.vs_conf.host_dir,
                                            instance_name)
        self.assertTrue(compute.exists(directory),
                        'nova did not create %s on %s' % (directory, host))
        path = directory + '/' + name
        compute.write_file(path, content)
        self.addCleanup(compute.remove_file, path)
        return name, content

    def assert_write_refused(self, guest, host, instance_name, when):
        """A new file from guest root fails and never reaches the host."""
        compute = self.compute_client(host)
        probe = data_utils.rand_name('probe')
        host_probe = domain_xml.writable_dir(self.vs_conf.host_dir,
                                             instance_name) + '/' + probe
        self.addCleanup(compute.remove_file, host_probe)
        status, out = guest.share.try_write(probe)
        self.assertNotEqual(0, status, '%s: guest root wrote %s on the share'
                            % (when, probe))
        self.assertFalse(compute.exists(host_probe),
                         '%s: %s appeared on %s although the guest write '
                         'failed (%s)' % (when, host_probe, host, out))

    def assert_share_serves(self, guest, when, mount=True):
        """The share works and stays read-only, checked from both sides.

        1. On the server's current compute: the domain shares the tag
           read-only (<readonly/> or nova's read-only view).
        2. The compute writes a new file into the instance's directory;
           the guest mounts the tag (unless ``mount`` is False: the mount
           made before must still work) and reads it.
        3. A write from guest root fails and never reaches the host.

        :returns: (host, instance name) the share was checked on.
        """
        server_id = guest.server['id']
        host, name, problems = self.share_problems(server_id)
        self.assertEqual([], problems, '%s: share of server %s on %s'
                         % (when, server_id, host))
        sentinel, content = self.write_sentinel(host, name)
        if mount:
            guest.share.mount()
        try:
            read = guest.share.read(sentinel)
        except lib_exc.SSHExecCommandFailed as e:
            self.fail('%s: the guest could not read %s, written on %s '
                      'into %s: %s' % (when, sentinel, host, name, e))
        self.assertEqual(content, read.strip(),
                         '%s: the guest read another content from %s'
                         % (when, sentinel))
        self.assert_write_refused(guest, host, name, when)
        return host, name
