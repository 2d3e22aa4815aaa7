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

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import requirements


class HostViewTest(base.VirtiofsScaphandreTest):
    """What a power-metrics server leaves on its compute."""

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.COMPUTE_SSH)

    @decorators.idempotent_id('cb906da3-f4c3-4c18-a43c-877b7cccfec6')
    def test_delete_leaves_no_view(self):
        """Deleting the server removes its read-only view.

        1. Create a power-metrics server; its domain shares the tag
           read-only (nova's view, or <readonly/> on the directory).
        2. Delete it and wait until it is gone.
        3. On its compute, nothing is mounted at or below
           <readonly_view_dir>/<instance> and that directory is gone.
           <host_dir>/<instance> stays: it belongs to the exporter.
        """
        flavor, _ = self.power_metrics_flavor()
        server_id = self.create_server(flavor['id'])['id']
        host, name, problems = self.share_problems(server_id)
        self.assertEqual([], problems, 'share of server %s on %s'
                         % (server_id, host))

        self.delete_server_and_wait(server_id)

        self.assertEqual([], self.views_left(host, name),
                         'after deleting server %s, %s keeps'
                         % (server_id, host))
