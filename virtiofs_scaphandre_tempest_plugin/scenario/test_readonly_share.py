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

from tempest.common.utils.linux import remote_client
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import metadata
from virtiofs_scaphandre_tempest_plugin.common import requirements

CONF = config.CONF

GUEST_MOUNT_POINT = '/mnt/virtiofs-scaphandre'


class ReadOnlyShareTest(base.VirtiofsScaphandreTest):
    """The guest mounts the tag, reads host files and cannot write."""

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.COMPUTE_SSH,
                requirements.GUEST_SSH)
    # The guest needs a network to be reached over SSH.
    create_default_network = True

    def _guest(self, flavor_id):
        image_id = self.vs_conf.image_ref or CONF.compute.image_ref
        resources = self.get_test_validation_resources(self.os_primary)
        server = self.create_server(
            flavor_id, image_id, validatable=True,
            validation_resources=resources, wait_until='SSHABLE')
        guest = remote_client.RemoteClient(
            self.get_server_ip(server, resources),
            self.vs_conf.image_ssh_user,
            pkey=resources['keypair']['private_key'],
            server=server, servers_client=self.servers_client)
        return server, guest

    def _wait_for_tag_in_metadata(self, server_id, guest):
        seen = {}

        def tag_listed():
            try:
                text = guest.exec_command('curl -sf %s'
                                          % metadata.META_DATA_URL)
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
                      % (self.vs_conf.mount_tag, server_id,
                         metadata.META_DATA_URL, seen.get('tags'),
                         seen.get('error')))

    def _assert_write_refused(self, guest, compute, host_path, guest_path,
                              when):
        try:
            guest.exec_command("sudo sh -c 'echo written > %s'" % guest_path)
        except lib_exc.SSHExecCommandFailed as e:
            refusal = str(e)
        else:
            self.fail('%s: the guest wrote %s on the share'
                      % (when, guest_path))
        self.assertFalse(compute.exists(host_path),
                         '%s: %s appeared on the compute although the guest '
                         'write failed (%s)' % (when, host_path, refusal))

    @decorators.idempotent_id('cf036e64-595b-4fd3-8d61-6740812de9dc')
    def test_guest_reads_host_file_and_cannot_write(self):
        """A read-only share from the guest's side.

        1. Boot the guest image with the power-metrics flavor; SSH in.
        2. The mount tag is a "share" device in meta_data.json.
        3. On the compute, write a sentinel into <host_dir>/<instance>.
        4. In the guest, mount -t virtiofs <tag> and read the sentinel.
        5. Writing fails; after mount -o remount,rw it fails again; the
           compute never sees the files.
        """
        flavor, _ = self.power_metrics_flavor()
        server, guest = self._guest(flavor['id'])
        details = self.show_server(server['id'])
        host = details['OS-EXT-SRV-ATTR:host']
        name = details['OS-EXT-SRV-ATTR:instance_name']
        compute = self.compute_client(host)

        self._wait_for_tag_in_metadata(server['id'], guest)

        # virtiofs may be built in (modprobe fails) or a module; tempest's
        # shell prologue sets -e, hence the '|| true'.
        filesystems = guest.exec_command(
            'sudo modprobe virtiofs 2>/dev/null || true; '
            'grep -w virtiofs /proc/filesystems || true')
        if 'virtiofs' not in filesystems:
            self.fail('the kernel of image %s has no virtiofs (CirrOS 0.6.3 '
                      'or later has it; 0.6.0 to 0.6.2 do not): set '
                      '[virtiofs_scaphandre] image_ref'
                      % (self.vs_conf.image_ref or CONF.compute.image_ref))

        writable = domain_xml.writable_dir(self.vs_conf.host_dir, name)
        self.assertTrue(compute.exists(writable),
                        'nova did not create %s on %s' % (writable, host))
        sentinel = data_utils.rand_name('sentinel')
        token = data_utils.rand_uuid()
        host_sentinel = writable + '/' + sentinel
        compute.write_file(host_sentinel, token)
        self.addCleanup(compute.remove_file, host_sentinel)

        tag = self.vs_conf.mount_tag
        guest.exec_command('sudo mkdir -p %s && sudo mount -t virtiofs %s %s'
                           % (GUEST_MOUNT_POINT, tag, GUEST_MOUNT_POINT))
        read = guest.exec_command('cat %s/%s' % (GUEST_MOUNT_POINT, sentinel))
        self.assertEqual(token, read.strip(),
                         'the guest read another content from %s'
                         % sentinel)

        probe = data_utils.rand_name('probe')
        host_probe = writable + '/' + probe
        self.addCleanup(compute.remove_file, host_probe)
        guest_probe = GUEST_MOUNT_POINT + '/' + probe
        self._assert_write_refused(guest, compute, host_probe, guest_probe,
                                   'as mounted')
        try:
            guest.exec_command('sudo mount -o remount,rw %s'
                               % GUEST_MOUNT_POINT)
        except lib_exc.SSHExecCommandFailed:
            # Refusing the remount is fine too; the write is what matters.
            pass
        self._assert_write_refused(guest, compute, host_probe, guest_probe,
                                   'after remount,rw')
