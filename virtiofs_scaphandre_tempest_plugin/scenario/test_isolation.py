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
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.scenario import base


class IsolationTest(base.ShareScenarioTest):
    """Two power-metrics guests on one compute see only their own files."""

    @decorators.idempotent_id('3c08561d-da20-453f-af08-9ed1075ed5ec')
    def test_guests_on_one_compute_see_only_their_own_directory(self):
        """Each guest reads its own directory and nothing of the other's.

        1. Boot two power-metrics guests in an affinity server group, so
           they share a compute.
        2. Each guest's share serves it (files written by the host into
           its own <host_dir>/<instance>).
        3. With a new file in each directory, each guest lists its own
           and neither the other's file nor the other's directory.
        """
        if not compute.is_scheduler_filter_enabled(
                'ServerGroupAffinityFilter'):
            raise self.skipException('ServerGroupAffinityFilter is not in '
                                     '[compute-feature-enabled] '
                                     'scheduler_enabled_filters')
        group = self.create_test_server_group(policy='affinity')
        hints = {'group': group['id']}
        guests = [self.boot_guest(scheduler_hints=hints) for _ in range(2)]
        places = [self.assert_share_serves(g, 'guest %d' % (i + 1))
                  for i, g in enumerate(guests)]
        hosts = {host for host, _ in places}
        self.assertEqual(1, len(hosts), 'the affinity group spread the '
                         'guests over %s' % sorted(hosts))
        host = hosts.pop()
        sentinels = [self.write_sentinel(host, instance)[0]
                     for _, instance in places]

        for i, guest in enumerate(guests):
            other = 1 - i
            names = guest.share.names()
            self.assertIn(sentinels[i], names,
                          'guest %d does not list its own %s'
                          % (i + 1, sentinels[i]))
            leaked = {sentinels[other], places[other][1]} & set(names)
            self.assertEqual(set(), leaked,
                             'guest %d (%s) lists what belongs to %s'
                             % (i + 1, places[i][1], places[other][1]))
