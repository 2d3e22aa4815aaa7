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
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import requirements


class PowerMetricsServerTest(base.VirtiofsScaphandreTest):
    """A power-metrics server next to a control server.

    What nova puts in each libvirt domain, and the actions it refuses for
    the first while the second, in the same cloud, performs them: the
    refusal comes from the feature, not from the hosts. Both servers are
    booted once for the class, at the same time. A refused action leaves
    the power-metrics server as it was; the control server ends each test
    ACTIVE, so every test can use both.
    """

    vs_needs = (requirements.POWER_METRICS_FLAVOR,
                requirements.CONTROL_FLAVOR)

    @classmethod
    def resource_setup(cls):
        super(PowerMetricsServerTest, cls).resource_setup()
        servers = [cls.create_test_server(flavor=flavor, wait_until=None)
                   for flavor in (cls.vs_conf.power_metrics_flavor_ref,
                                  cls.vs_conf.control_flavor_ref)]
        for server in servers:
            waiters.wait_for_server_status(cls.servers_client, server['id'],
                                           'ACTIVE')
        cls.pm_server_id, cls.control_server_id = [s['id'] for s in servers]

    # Domain XML ---------------------------------------------------------

    @decorators.idempotent_id('666be0ea-f32e-4f81-879c-9f3b0c8de607')
    def test_power_metrics_server_has_read_only_share(self):
        """The share, read-only, with the memory virtiofs needs.

        1. On the power-metrics server's compute, virsh dumpxml.
        2. One virtiofs <filesystem> targets the mount tag; its source is
           <host_dir>/<instance name> or nova's view
           <readonly_view_dir>/<instance name>/<tag>.
        3. Read-only is enforced: <readonly/>, or the view is a read-only
           bind mount of the per-instance directory (findmnt, stat).
        4. Guest memory is shared, on hugepages when the flavor asks them
           (file backed otherwise).
        """
        self.skip_unless(requirements.COMPUTE_SSH)
        _, specs = self.power_metrics_flavor()
        server_id = self.pm_server_id
        host, name, root = self.get_server_xml(server_id)
        check, problems = self.share_check(host, name, root)
        hugepages = domain_xml.wants_hugepages(specs.get(base.PAGE_SIZE_SPEC))
        problems += domain_xml.check_memory(root, hugepages)
        self.assertEqual(
            [], problems, 'domain %s of server %s on %s (<readonly/>: %s)'
            % (name, server_id, host, check.readonly_element))

    @decorators.idempotent_id('65663cb9-41d5-4993-a1c9-ecb04ecffbb8')
    def test_control_server_has_no_share(self):
        """A server of the control flavor gets no virtiofs filesystem."""
        self.skip_unless(requirements.COMPUTE_SSH)
        self.control_flavor()
        host, name, root = self.get_server_xml(self.control_server_id)
        self.assertEqual([], domain_xml.check_no_share(root),
                         'domain %s of control server %s on %s'
                         % (name, self.control_server_id, host))

    # Refused actions ----------------------------------------------------

    def _assert_left_in_place(self, server_id, host, what):
        server = self.show_server(server_id)
        self.assertEqual(
            ('ACTIVE', None, host),
            (server['status'], server.get('OS-EXT-STS:task_state'),
             server['OS-EXT-SRV-ATTR:host']),
            'power-metrics server %s after the refused %s (status, task '
            'state, host)' % (server_id, what))

    @decorators.idempotent_id('957d5d19-a2d1-4c92-9c88-8433e7fed3d1')
    @decorators.attr(type=['negative'])
    def test_power_metrics_server_suspend_refused(self):
        """409 Conflict; the server stays ACTIVE, with no task, in place.

        Suspend is a managed save, which QEMU refuses for a
        vhost-user-fs device.
        """
        self.skip_unless(requirements.SUSPEND)
        server_id = self.pm_server_id
        host, _ = self.server_location(server_id)
        try:
            self.servers_client.suspend_server(server_id)
        except lib_exc.Conflict:
            pass
        else:
            self.fail('suspend of power-metrics server %s was accepted, '
                      'not refused with 409' % server_id)
        self._assert_left_in_place(server_id, host, 'suspend')

    @decorators.idempotent_id('d198a6c9-a817-4831-8e01-97b8343c7ebd')
    def test_control_server_suspends(self):
        self.skip_unless(requirements.SUSPEND)
        server_id = self.control_server_id
        self.servers_client.suspend_server(server_id)
        waiters.wait_for_server_status(self.servers_client, server_id,
                                       'SUSPENDED')
        self.servers_client.resume_server(server_id)
        waiters.wait_for_server_status(self.servers_client, server_id,
                                       'ACTIVE')

    def _live_migration_hosts(self):
        """(power-metrics server's compute, another one with the trait)."""
        self.skip_unless(requirements.LIVE_MIGRATION)
        with_trait, _ = self.hosts_by_trait()
        source, _ = self.server_location(self.pm_server_id)
        others = [h for h in with_trait if h != source]
        if not others:
            raise self.skipException(
                'live migration needs 2 computes with %s; placement shows '
                '%s' % (base.TRAIT, with_trait or 'none'))
        return source, others[0]

    def _live_migrate(self, server_id, target):
        self.admin_servers_client.live_migrate_server(
            server_id, host=target, block_migration='auto')

    def _check_live_migration_refused(self, explicit_target):
        """409 Conflict; the server stays ACTIVE where it was."""
        source, target = self._live_migration_hosts()
        server_id = self.pm_server_id
        target = target if explicit_target else None
        try:
            self._live_migrate(server_id, target)
        except lib_exc.Conflict:
            pass
        else:
            self.fail('live migration of power-metrics server %s (target: '
                      '%s) was accepted, not refused with 409'
                      % (server_id, target or 'any'))
        self._assert_left_in_place(server_id, source, 'live migration')

    @decorators.idempotent_id('69180ef5-7468-4a95-8ba4-b448af33e9b3')
    @decorators.attr(type=['negative'])
    def test_live_migration_to_a_given_host_refused(self):
        self._check_live_migration_refused(explicit_target=True)

    @decorators.idempotent_id('a796111e-8c6a-44cc-9177-bec2782551e9')
    @decorators.attr(type=['negative'])
    def test_live_migration_to_any_host_refused(self):
        self._check_live_migration_refused(explicit_target=False)

    @decorators.idempotent_id('7db206d7-2ed5-45b7-8955-e147aabf8c94')
    def test_control_server_live_migrates_between_same_hosts(self):
        """The control server moves to or from the power-metrics compute.

        Between the two computes that the refused live migrations use:
        to the power-metrics server's compute, or from it to the other.
        """
        pm_host, other = self._live_migration_hosts()
        server_id = self.control_server_id
        source, _ = self.server_location(server_id)
        target = other if source == pm_host else pm_host
        self._live_migrate(server_id, target)
        waiters.wait_for_server_status(self.admin_servers_client, server_id,
                                       'ACTIVE')
        landed, _ = self.server_location(server_id)
        self.assertEqual(target, landed,
                         'control server %s did not live migrate from %s to '
                         '%s' % (server_id, source, target))
