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

from tempest.common import compute
from tempest.common import waiters
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.common import requirements
from virtiofs_scaphandre_tempest_plugin.scenario import base


class ShareLifecycleTest(base.ShareScenarioTest):
    """The share survives what stops, restarts or rebuilds the domain.

    One power-metrics guest serves the class: every action brings it back
    to ACTIVE, and tempest runs the tests of a class one after the other.
    Each test checks that the share serves the guest, runs one server
    action, then checks again from both sides: the domain still shares
    the tag read-only, the guest reads a file the host wrote after the
    action, and guest root still cannot write. The check before the
    action is left out when the previous test's check after its action
    passed: nothing happened to the guest since.
    """

    # Whether the share served the guest at the end of the last test.
    share_checked = False

    @classmethod
    def resource_setup(cls):
        super(ShareLifecycleTest, cls).resource_setup()
        cls.guest = cls.boot_class_guest()

    def _guest_with_share(self):
        if not self.share_checked:
            self.assert_share_serves(self.guest, 'before the action')
        self._set_checked(False)
        return self.guest

    def _set_checked(self, checked):
        type(self).share_checked = checked

    def _check_after(self, guest, when, mount=True):
        self.assert_share_serves(guest, when, mount=mount)
        self._set_checked(True)

    def _wait(self, server_id, status):
        waiters.wait_for_server_status(self.servers_client, server_id,
                                       status)

    @decorators.idempotent_id('1508ed76-5349-4d08-b112-3ffc69c82fd1')
    def test_share_survives_hard_reboot(self):
        guest = self._guest_with_share()
        self.reboot_server(guest.server['id'], type='HARD')
        self.wait_for_ssh(guest)
        self._check_after(guest, 'after a hard reboot')

    @decorators.idempotent_id('b2e74927-cc3c-45da-a7f5-32c99199ef11')
    def test_share_survives_stop_and_start(self):
        guest = self._guest_with_share()
        server_id = guest.server['id']
        self.servers_client.stop_server(server_id)
        self._wait(server_id, 'SHUTOFF')
        self.servers_client.start_server(server_id)
        self._wait(server_id, 'ACTIVE')
        self.wait_for_ssh(guest)
        self._check_after(guest, 'after stop and start')

    @decorators.idempotent_id('8312a309-88a7-45c0-a03a-959ea68658e6')
    def test_mounted_share_survives_pause_and_unpause(self):
        """The guest keeps its mount; it reads a file written meanwhile."""
        self.skip_unless(requirements.PAUSE)
        guest = self._guest_with_share()
        server_id = guest.server['id']
        self.servers_client.pause_server(server_id)
        self._wait(server_id, 'PAUSED')
        self.servers_client.unpause_server(server_id)
        self._wait(server_id, 'ACTIVE')
        self._check_after(guest, 'after pause and unpause', mount=False)

    @decorators.idempotent_id('6571c618-94c3-4717-baa1-64cff5f624a4')
    def test_share_survives_rebuild(self):
        guest = self._guest_with_share()
        server_id = guest.server['id']
        self.servers_client.rebuild_server(server_id, self.guest_image())
        self._wait(server_id, 'ACTIVE')
        self.wait_for_ssh(guest)
        self._check_after(guest, 'after a rebuild')

    @decorators.idempotent_id('db8f90f5-11b7-4b83-8ee3-41723df0a676')
    def test_share_survives_shelve_and_unshelve(self):
        """Offloaded, the server has a view nowhere; unshelved, it reads.

        After the shelve offload no compute keeps a view of the instance;
        the unshelved server (on whichever compute the scheduler picks)
        gets its share back.
        """
        self.skip_unless(requirements.SHELVE)
        guest = self._guest_with_share()
        server_id = guest.server['id']
        _, name = self.server_location(server_id)
        compute.shelve_server(self.servers_client, server_id,
                              force_shelve_offload=True)
        for host in sorted(self.compute_providers()):
            self.assertEqual([], self.views_left(host, name),
                             'shelve-offloaded server %s left its view on '
                             '%s' % (server_id, host))
        self.servers_client.unshelve_server(server_id)
        self._wait(server_id, 'ACTIVE')
        self.wait_for_ssh(guest)
        self._check_after(guest, 'after shelve and unshelve')
