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
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import requirements


class LiveMigrationRefusedTest(base.VirtiofsScaphandreTest):
    """Live migration of a power-metrics server is refused up front.

    A control server makes the same move between the same two computes,
    so the refusal comes from the feature, not from the hosts.
    """

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.CONTROL_FLAVOR,
                requirements.LIVE_MIGRATION)

    def _source_and_target(self):
        with_trait, _ = self.hosts_by_trait()
        if len(with_trait) < 2:
            raise self.skipException(
                'live migration needs 2 computes with %s; placement shows '
                '%s' % (base.TRAIT, with_trait or 'none'))
        return with_trait[0], with_trait[1]

    def _live_migrate(self, server_id, target):
        self.admin_servers_client.live_migrate_server(
            server_id, host=target, block_migration='auto')

    def _check_refused(self, explicit_target):
        """409 Conflict; the server stays ACTIVE where it was.

        1. Create a power-metrics server on the first compute.
        2. Live migrate it (to the second compute, or to the scheduler's
           choice): 409 Conflict.
        3. It is ACTIVE, with no task, on the first compute.
        """
        source, target = self._source_and_target()
        flavor, _ = self.power_metrics_flavor()
        server_id = self.create_server(flavor['id'], host=source)['id']

        try:
            self._live_migrate(server_id,
                               target if explicit_target else None)
        except lib_exc.Conflict:
            pass
        else:
            self.fail('live migration of power-metrics server %s (target: '
                      '%s) was accepted, not refused with 409'
                      % (server_id, target if explicit_target else 'any'))

        server = self.show_server(server_id)
        self.assertEqual(
            ('ACTIVE', None, source),
            (server['status'], server.get('OS-EXT-STS:task_state'),
             server['OS-EXT-SRV-ATTR:host']),
            'power-metrics server %s after the refused live migration '
            '(status, task state, host)' % server_id)

    @decorators.idempotent_id('69180ef5-7468-4a95-8ba4-b448af33e9b3')
    @decorators.attr(type=['negative'])
    def test_live_migration_to_a_given_host_refused(self):
        self._check_refused(explicit_target=True)

    @decorators.idempotent_id('a796111e-8c6a-44cc-9177-bec2782551e9')
    @decorators.attr(type=['negative'])
    def test_live_migration_to_any_host_refused(self):
        self._check_refused(explicit_target=False)

    @decorators.idempotent_id('7db206d7-2ed5-45b7-8955-e147aabf8c94')
    def test_control_server_live_migrates_between_same_hosts(self):
        """The control server moves from the first to the second compute."""
        source, target = self._source_and_target()
        flavor, _ = self.control_flavor()
        server = self.create_server(flavor['id'], host=source)

        self._live_migrate(server['id'], target)
        waiters.wait_for_server_status(self.admin_servers_client,
                                       server['id'], 'ACTIVE')
        self.assertEqual(target, self.get_host_for_server(server['id']),
                         'control server %s did not live migrate from %s to '
                         '%s' % (server['id'], source, target))
