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
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import requirements


class DomainXMLTest(base.VirtiofsScaphandreTest):
    """What nova puts in the libvirt domain, read with virsh dumpxml."""

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.CONTROL_FLAVOR,
                requirements.COMPUTE_SSH)

    @decorators.idempotent_id('666be0ea-f32e-4f81-879c-9f3b0c8de607')
    def test_power_metrics_server_has_read_only_share(self):
        """The share, read-only, with the memory virtiofs needs.

        1. Create a server with the power-metrics flavor.
        2. On its compute, virsh dumpxml <instance name>.
        3. One virtiofs <filesystem> targets the mount tag; its source is
           <host_dir>/<instance name> or nova's view
           <readonly_view_dir>/<instance name>/<tag>.
        4. Read-only is enforced: <readonly/>, or the view is a read-only
           bind mount of the per-instance directory (findmnt, stat).
        5. Guest memory is shared, on hugepages when the flavor asks them
           (file backed otherwise).
        """
        flavor, specs = self.power_metrics_flavor()
        server = self.create_server(flavor['id'])
        host, name, root = self.get_server_xml(server['id'])

        check = domain_xml.check_share(
            root, self.vs_conf.mount_tag, self.vs_conf.host_dir,
            self.vs_conf.readonly_view_dir, name)
        problems = list(check.problems)
        if check.via_readonly_view:
            problems += self.readonly_view_problems(host, name, check.source)
        hugepages = domain_xml.wants_hugepages(specs.get(base.PAGE_SIZE_SPEC))
        problems += domain_xml.check_memory(root, hugepages)
        self.assertEqual(
            [], problems, 'domain %s of server %s on %s (<readonly/>: %s)'
            % (name, server['id'], host, check.readonly_element))

    @decorators.idempotent_id('65663cb9-41d5-4993-a1c9-ecb04ecffbb8')
    def test_control_server_has_no_share(self):
        """A server of the control flavor gets no virtiofs filesystem."""
        flavor, _ = self.control_flavor()
        server = self.create_server(flavor['id'])
        host, name, root = self.get_server_xml(server['id'])
        self.assertEqual([], domain_xml.check_no_share(root),
                         'domain %s of control server %s on %s'
                         % (name, server['id'], host))
