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

from tempest.common import waiters
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.api import base as api_base
from virtiofs_scaphandre_tempest_plugin.common import requirements
from virtiofs_scaphandre_tempest_plugin.scenario import base


class ShareMoveTest(base.ShareScenarioTest):
    """The share follows a server that moves to another compute.

    The directory content is not moved: the guest must read the new
    host's <host_dir>/<instance>, not see what only the old host has, and
    once the move is confirmed the old host keeps no view of it.
    """

    vs_needs = base.ShareScenarioTest.vs_needs + (requirements.TWO_COMPUTES,)

    @classmethod
    def resource_setup(cls):
        super(ShareMoveTest, cls).resource_setup()
        # One guest for the class; each move starts where the last ended.
        cls.guest = cls.boot_class_guest()

    def _skip_unless_two_trait_hosts(self):
        with_trait, _ = self.hosts_by_trait()
        if len(with_trait) < 2:
            raise self.skipException(
                'moving a power-metrics server needs 2 computes with %s; '
                'placement shows %s' % (api_base.TRAIT, with_trait or 'none'))

    def _check_move(self, guest, move, what, must_change_host=True):
        server_id = guest.server['id']
        old_host, name = self.assert_share_serves(guest, 'before the ' + what)
        # Only the old host has this file: the guest must not see it after.
        old_only, _ = self.write_sentinel(old_host, name)

        move(server_id)
        new_host, _ = self.server_location(server_id)
        if must_change_host:
            self.assertNotEqual(old_host, new_host,
                                'the %s of server %s stayed on %s'
                                % (what, server_id, old_host))
        self.wait_for_ssh(guest)
        self.assert_share_serves(guest, 'after the ' + what)
        if new_host == old_host:
            return
        self.assertNotIn(old_only, guest.share.names(),
                         'after the %s to %s, the guest still sees %s, which '
                         'only the old host %s has' % (what, new_host,
                                                       old_only, old_host))
        self.assertEqual([], self.views_left(old_host, name),
                         'after the confirmed %s of server %s, the old host '
                         '%s keeps' % (what, server_id, old_host))

    @decorators.idempotent_id('e8377393-568e-4e59-85d3-acec2b7f6a23')
    def test_share_follows_cold_migration(self):
        self.skip_unless(requirements.COLD_MIGRATION)
        self._skip_unless_two_trait_hosts()

        def cold_migrate(server_id):
            self.admin_servers_client.migrate_server(server_id)
            waiters.wait_for_server_status(self.servers_client, server_id,
                                           'VERIFY_RESIZE')
            self.servers_client.confirm_resize_server(server_id)
            waiters.wait_for_server_status(self.servers_client, server_id,
                                           'ACTIVE')

        self._check_move(self.guest, cold_migrate, 'cold migration')

    @decorators.idempotent_id('5bbfe4ed-57ab-46c9-bf04-05b3332c22f6')
    def test_share_follows_resize(self):
        """Resize to a bigger disk, same memory and power metrics.

        nova may resize on the same host where it allows that; the
        old-host checks then do not apply.
        """
        self.skip_unless(requirements.RESIZE)
        self._skip_unless_two_trait_hosts()
        flavor, specs = self.power_metrics_flavor()
        current = self.show_server(self.guest.server['id'])['flavor']
        bigger = self.create_flavor_like(
            dict(flavor, disk=current['disk'] + 1), specs)
        self._check_move(self.guest,
                         lambda server_id: self.resize_server(server_id,
                                                              bigger['id']),
                         'resize', must_change_host=False)
