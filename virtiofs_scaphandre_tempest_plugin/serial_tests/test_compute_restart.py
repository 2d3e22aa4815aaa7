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

from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.common import requirements
from virtiofs_scaphandre_tempest_plugin.scenario import base
from virtiofs_scaphandre_tempest_plugin.serial_tests import base as serial


@decorators.serial
class ComputeRestartTest(serial.HostStateMixin, base.ShareScenarioTest):
    """A running guest keeps its share across a nova-compute restart.

    nova-compute re-establishes the views of the domains it finds at
    start-up and removes the others; a running guest must notice
    nothing. Serial: the restart would disturb other tests' servers.
    """

    vs_needs = base.ShareScenarioTest.vs_needs + (
        requirements.COMPUTE_RESTART,)

    @decorators.idempotent_id('333fa913-8322-4c84-800c-fc3ee5dc6a28')
    def test_running_guest_keeps_reading_across_nova_compute_restart(self):
        """The guest reads through its mount after the restart.

        1. Boot a power-metrics guest; mount and read the share.
        2. Restart nova-compute on its host; wait until it answers an RPC
           call (after its init_host).
        3. Through the mount made before, the guest reads a file written
           after the restart; the domain still shares the tag read-only;
           guest root still cannot write.
        """
        guest = self.boot_guest()
        host, _ = self.assert_share_serves(guest, 'before the restart')
        self.restart_nova_compute(host)
        self.wait_for_compute_rpc(guest.server['id'])
        self.assert_share_serves(guest, 'after nova-compute restarted on %s'
                                 % host, mount=False)
