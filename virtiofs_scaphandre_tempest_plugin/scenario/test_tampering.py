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

from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.common import tampering
from virtiofs_scaphandre_tempest_plugin.scenario import base

# An mtime no tampering attempt would set: any change shows.
OLD_MTIME = 1000000000


class TamperingTest(base.ShareScenarioTest):
    """Guest root cannot change a file that the host wrote.

    The realistic attack on the share is not a new file but a change to
    a value the exporter wrote (energy_uj). Each test makes guest root try
    one operation on such a file twice: with the share mounted as any
    guest mounts it, and after mounting it read-only and lifting that
    with remount,rw. The operation must fail in the guest and leave the
    host file as it was: content, mode, owner, times, links, extended
    attributes and the names next to it. The same operation on a file
    of the guest's own must succeed first (a control): otherwise the
    image cannot run it and the test skips, naming the operation.
    """

    @classmethod
    def resource_setup(cls):
        super(TamperingTest, cls).resource_setup()
        cls.guest = cls.boot_class_guest()

    def _host_file(self, compute, directory):
        name = data_utils.rand_name('energy_uj')
        path = directory + '/' + name
        compute.write_file(path, '123456789', mtime=OLD_MTIME)
        self.addCleanup(compute.remove_file, path, path + '.renamed',
                        path + '.link')
        return name, path

    def _check_tampering(self, operation):
        share = self.guest.share
        status, out = share.attempt(tampering.control_command(
            operation, '/tmp/' + data_utils.rand_name('vs-control')))
        if status:
            raise self.skipException(
                'image %s cannot %s a file of its own (exit status %d: %s)'
                % (self.guest_image(), operation, status, out.strip()))
        host, instance = self.server_location(self.guest.server['id'])
        compute = self.compute_client(host)
        directory = domain_xml.writable_dir(self.vs_conf.host_dir, instance)
        failures = []
        for mode in guest_share.MOUNT_MODES:
            name, path = self._host_file(compute, directory)
            before = compute.snapshot(path)
            share.mount(mode)
            status, out = share.attempt(
                tampering.command(operation, share.path(name)))
            changes = tampering.changes(before, compute.snapshot(path))
            if changes:
                failures.append('%s: the host file changed: %s (guest exit '
                                'status %d: %s)' % (mode, '; '.join(changes),
                                                    status, out.strip()))
            elif status == 0:
                failures.append('%s: the guest reported success although '
                                'the host file did not change' % mode)
        self.assertEqual([], failures, '%s by guest root of a file that %s '
                         'wrote into %s' % (operation, host, directory))

    @decorators.idempotent_id('b744ed09-39a6-44b5-84f4-e5c6cb059971')
    def test_overwrite_refused(self):
        self._check_tampering('overwrite')

    @decorators.idempotent_id('98ea3ab3-4a37-4157-af7f-5e1ff0419f8b')
    def test_truncate_refused(self):
        self._check_tampering('truncate')

    @decorators.idempotent_id('f58287e1-9d81-4e29-acae-3406a9b1adb5')
    def test_delete_refused(self):
        self._check_tampering('delete')

    @decorators.idempotent_id('f4d7866a-3387-4a61-be5b-c43bc68a3fc8')
    def test_rename_refused(self):
        self._check_tampering('rename')

    @decorators.idempotent_id('118d8655-995a-4a12-8b04-d404bdbf8929')
    def test_chmod_refused(self):
        self._check_tampering('chmod')

    @decorators.idempotent_id('d172e723-9a9e-4495-89bb-893f96e7e213')
    def test_chown_refused(self):
        self._check_tampering('chown')

    @decorators.idempotent_id('0d26d969-e4bd-473f-8ced-77551abab2c7')
    def test_touch_refused(self):
        self._check_tampering('touch')

    @decorators.idempotent_id('7efff259-38c3-4d19-9257-233334678b56')
    def test_setxattr_refused(self):
        self._check_tampering('setxattr')

    @decorators.idempotent_id('a7447d55-75e3-4269-b9b5-1780262d4041')
    def test_hard_link_refused(self):
        self._check_tampering('hard link')
