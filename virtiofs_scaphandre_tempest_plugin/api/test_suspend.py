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


class SuspendRefusedTest(base.VirtiofsScaphandreTest):
    """Suspend of a power-metrics server is refused up front.

    Suspend is a managed save, which QEMU refuses for a vhost-user-fs
    device. A control server of the same cloud suspends, so the refusal
    comes from the feature, not from the hosts.
    """

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.CONTROL_FLAVOR,
                requirements.SUSPEND)

    @decorators.idempotent_id('957d5d19-a2d1-4c92-9c88-8433e7fed3d1')
    @decorators.attr(type=['negative'])
    def test_power_metrics_server_suspend_refused(self):
        """409 Conflict; the server stays ACTIVE, with no task, in place."""
        flavor, _ = self.power_metrics_flavor()
        server_id = self.create_server(flavor['id'])['id']
        host, _ = self.server_location(server_id)

        try:
            self.servers_client.suspend_server(server_id)
        except lib_exc.Conflict:
            pass
        else:
            self.fail('suspend of power-metrics server %s was accepted, '
                      'not refused with 409' % server_id)

        server = self.show_server(server_id)
        self.assertEqual(
            ('ACTIVE', None, host),
            (server['status'], server.get('OS-EXT-STS:task_state'),
             server['OS-EXT-SRV-ATTR:host']),
            'power-metrics server %s after the refused suspend (status, '
            'task state, host)' % server_id)

    @decorators.idempotent_id('d198a6c9-a817-4831-8e01-97b8343c7ebd')
    def test_control_server_suspends(self):
        flavor, _ = self.control_flavor()
        server_id = self.create_server(flavor['id'])['id']
        self.servers_client.suspend_server(server_id)
        waiters.wait_for_server_status(self.servers_client, server_id,
                                       'SUSPENDED')
