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

"""The api test bodies against a scripted cloud.

Each tempest test runs with its cloud-facing helpers replaced by mocks
that play a cloud with or without the feature: the test must pass on the
first and fail, naming the problem, on the second.
"""

from unittest import mock

import ddt
import fixtures
from tempest.lib import exceptions as lib_exc

from tests.unit.tempest_plugin import fakes
from tests.unit.tempest_plugin import scripted
from virtiofs_scaphandre_tempest_plugin.api import test_extra_specs
from virtiofs_scaphandre_tempest_plugin.api import test_host_views
from virtiofs_scaphandre_tempest_plugin.api import test_power_metrics_server
from virtiofs_scaphandre_tempest_plugin.common import domain_xml

INSTANCE = 'instance-00000007'
GOOD_XML = """<domain type='kvm'>
  <name>%(name)s</name>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages>
    <access mode='shared'/></memoryBacking>
  <devices>
    <filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs'/>
      <source dir='%(view)s/%(name)s/%(tag)s'/>
      <target dir='%(tag)s'/>
    </filesystem>
  </devices>
</domain>""" % {'name': INSTANCE, 'view': fakes.VIEW_DIR, 'tag': fakes.TAG}
CONTROL_XML = """<domain type='kvm'><name>%s</name><devices/></domain>""" % (
    INSTANCE)


class TestDomainXML(scripted.PluginTestCase):

    cls = test_power_metrics_server.PowerMetricsServerTest
    method = 'test_power_metrics_server_has_read_only_share'

    def setUp(self):
        super(TestDomainXML, self).setUp()
        key = self.useFixture(fixtures.TempDir()).join('key')
        open(key, 'w').close()
        self.conf.set_override('compute_ssh_private_key_path', key,
                               'virtiofs_scaphandre')
        self.test.pm_server_id = 'pm-srv'
        self.test.control_server_id = 'ctl-srv'
        self.test.readonly_view_problems = mock.Mock(return_value=[])

    def _xml(self, text):
        self.test.get_server_xml = mock.Mock(return_value=(
            'cmp1', INSTANCE, domain_xml.parse(text)))

    def test_feature_present(self):
        self._xml(GOOD_XML)
        self.run_test()
        self.test.readonly_view_problems.assert_called_once_with(
            'cmp1', INSTANCE, '%s/%s/%s' % (fakes.VIEW_DIR, INSTANCE,
                                            fakes.TAG))
        self.test.get_server_xml.assert_called_once_with('pm-srv')

    def test_no_share(self):
        self._xml(CONTROL_XML)
        self.assert_fails("no <filesystem> with <target dir='scaphandre'/>")

    def test_view_not_read_only_on_the_compute(self):
        self._xml(GOOD_XML)
        self.test.readonly_view_problems.return_value = ['mounted rw']
        self.assert_fails('mounted rw')

    def test_memory_not_shared(self):
        self._xml(GOOD_XML.replace("<access mode='shared'/>", ''))
        self.assert_fails('guest memory is not shared')

    def test_control_server(self):
        method = 'test_control_server_has_no_share'
        self._xml(CONTROL_XML)
        self.run_test(method)
        self.test.get_server_xml.assert_called_once_with('ctl-srv')
        self._xml(GOOD_XML)
        self.assert_fails('unexpected virtiofs filesystem', method=method)

    def test_no_compute_ssh_skips_naming_the_option(self):
        self.conf.set_override('compute_ssh_private_key_path', '',
                               'virtiofs_scaphandre')
        for method in ('test_power_metrics_server_has_read_only_share',
                       'test_control_server_has_no_share'):
            e = self.assertRaises(self.test.skipException, self.run_test,
                                  method)
            self.assertIn('compute_ssh_private_key_path is not set', str(e))


@ddt.ddt
class TestLiveMigration(scripted.ScenarioTestCase):

    cls = test_power_metrics_server.PowerMetricsServerTest
    method = 'test_live_migration_to_a_given_host_refused'

    def setUp(self):
        super(TestLiveMigration, self).setUp()
        self.pm = self.cloud.boot('cmp1')
        self.control = self.cloud.boot('cmp1')
        self.test.pm_server_id = self.pm.id
        self.test.control_server_id = self.control.id
        self.test.admin_servers_client = mock.Mock()
        self.migrate = self.test.admin_servers_client.live_migrate_server
        self.migrate.side_effect = lib_exc.Conflict()
        self.test.show_server = lambda server_id: {
            'status': self.pm.status, 'OS-EXT-STS:task_state': None,
            'OS-EXT-SRV-ATTR:host': self.pm.host}

    @ddt.data(('test_live_migration_to_a_given_host_refused', 'cmp2'),
              ('test_live_migration_to_any_host_refused', None))
    @ddt.unpack
    def test_refused(self, method, target):
        self.run_test(method)
        self.migrate.assert_called_once_with(self.pm.id, host=target,
                                             block_migration='auto')

    @ddt.data('test_live_migration_to_a_given_host_refused',
              'test_live_migration_to_any_host_refused')
    def test_accepted_migration_fails_the_test(self, method):
        self.migrate.side_effect = None
        self.assert_fails('live migration of power-metrics server srv1',
                          'was accepted, not refused with 409',
                          method=method)

    def test_server_left_migrating(self):
        self.pm.status = 'MIGRATING'
        self.assert_fails('after the refused live migration')

    def test_one_trait_host_skips(self):
        self.test.hosts_by_trait = lambda: (['cmp1'], ['cmp2'])
        e = self.assertRaises(self.test.skipException, self.run_test)
        self.assertIn('placement shows', str(e))

    @ddt.data(('min_compute_nodes', 1, 'compute',
               '[compute] min_compute_nodes is 1'),
              ('live_migration', False, 'compute-feature-enabled',
               '[compute-feature-enabled] live_migration is False'))
    @ddt.unpack
    def test_skips_naming_the_option(self, option, value, group, reason):
        self.conf.set_override(option, value, group)
        for method in ('test_live_migration_to_a_given_host_refused',
                       'test_live_migration_to_any_host_refused',
                       'test_control_server_live_migrates_between_same_'
                       'hosts'):
            e = self.assertRaises(self.test.skipException, self.run_test,
                                  method)
            self.assertIn(reason, str(e))
        self.migrate.assert_not_called()

    @ddt.data(('cmp1', 'cmp2'), ('cmp2', 'cmp1'))
    @ddt.unpack
    def test_control_moves_between_the_same_hosts(self, start, target):
        method = 'test_control_server_live_migrates_between_same_hosts'
        self.control.host = start
        self.migrate.side_effect = lambda server_id, host, **kw: setattr(
            self.cloud.servers[server_id], 'host', host)
        self.run_test(method)
        self.migrate.assert_called_once_with(self.control.id, host=target,
                                             block_migration='auto')

    def test_control_that_stays_fails(self):
        method = 'test_control_server_live_migrates_between_same_hosts'
        self.migrate.side_effect = None
        self.assert_fails('control server srv2 did not live migrate from '
                          'cmp1 to cmp2', method=method)


class TestExtraSpecs(scripted.PluginTestCase):

    cls = test_extra_specs.PowerMetricsExtraSpecTest
    method = 'test_non_boolean_values_rejected'

    def setUp(self):
        super(TestExtraSpecs, self).setUp()
        self.test.create_flavor = mock.Mock(return_value={'id': 'f'})
        self.test.admin_flavors_client = mock.Mock()
        self.client = self.test.admin_flavors_client
        self.stored = {}
        self.client.set_flavor_extra_spec.side_effect = self._set
        self.client.list_flavor_extra_specs.side_effect = (
            lambda flavor_id: {'extra_specs': dict(self.stored)})
        self.valid = {'true', 'False', '1', 'no'}

    def _set(self, flavor_id, **specs):
        self.stored.clear()
        if not set(specs.values()) <= self.valid:
            raise lib_exc.BadRequest()
        self.stored.update(specs)

    def test_rejected(self):
        self.run_test()
        self.assertEqual(
            [mock.call('f', **{'hw:power_metrics': v})
             for v in ('foo', '2', 'enabled', 'truee')],
            self.client.set_flavor_extra_spec.call_args_list)

    def test_accepted_bad_value_fails(self):
        self.valid.add('enabled')
        self.assert_fails("nova took these values of hw:power_metrics",
                          "['enabled']")

    def test_refused_but_stored_fails(self):
        self.client.list_flavor_extra_specs.side_effect = (
            lambda flavor_id: {'extra_specs': {'hw:power_metrics': 'x'}})
        self.assert_fails('foo (stored although refused)')

    def test_booleans_accepted_and_stored(self):
        method = 'test_boolean_values_accepted'
        self.run_test(method)
        self.valid.discard('no')
        self.assertRaises(lib_exc.BadRequest, self.run_test, method)
        self.valid.add('no')
        self.client.list_flavor_extra_specs.side_effect = (
            lambda flavor_id: {'extra_specs': {}})
        self.assert_fails("'true': None", method=method)


class TestSuspend(scripted.ScenarioTestCase):

    cls = test_power_metrics_server.PowerMetricsServerTest
    method = 'test_power_metrics_server_suspend_refused'

    def setUp(self):
        super(TestSuspend, self).setUp()
        self.server = self.cloud.boot()
        self.test.pm_server_id = self.test.control_server_id = self.server.id
        self.test.show_server = lambda server_id: {
            'status': self.server.status, 'OS-EXT-STS:task_state': None,
            'OS-EXT-SRV-ATTR:host': self.server.host}

    def test_refused(self):
        self.run_test()
        self.assertEqual([('suspend', 'srv1')],
                         self.test.servers_client.calls)

    def test_suspended_fails(self):
        self.cloud.broken.add('suspend')
        self.assert_fails('suspend of power-metrics server srv1 was '
                          'accepted, not refused with 409')

    def test_left_in_another_state(self):
        self.test.servers_client.suspend_server = mock.Mock(
            side_effect=self._conflict_after_error)
        self.assert_fails('after the refused suspend', "'ERROR'")

    def _conflict_after_error(self, server_id):
        self.server.status = 'ERROR'
        raise lib_exc.Conflict()

    def test_control_server_suspends_and_resumes(self):
        method = 'test_control_server_suspends'
        self.cloud.broken.add('suspend')
        self.run_test(method)
        self.assertEqual(('resume', 'srv1'),
                         self.test.servers_client.calls[-1])
        self.assertEqual('ACTIVE', self.server.status)
        self.cloud.broken.discard('suspend')
        self.assertRaises(lib_exc.Conflict, self.run_test, method)

    def test_suspend_switched_off_skips(self):
        self.conf.set_override('suspend', False, 'compute-feature-enabled')
        for method in ('test_power_metrics_server_suspend_refused',
                       'test_control_server_suspends'):
            e = self.assertRaises(self.test.skipException, self.run_test,
                                  method)
            self.assertIn('[compute-feature-enabled] suspend is False',
                          str(e))


class TestHostViews(scripted.ScenarioTestCase):

    cls = test_host_views.HostViewTest
    method = 'test_delete_leaves_no_view'

    def setUp(self):
        super(TestHostViews, self).setUp()
        self.server = self.cloud.boot()
        self.test.create_server.return_value = {'id': self.server.id}
        self.test.delete_server_and_wait = mock.Mock(
            side_effect=self.cloud.delete)

    def test_view_removed(self):
        self.run_test()
        self.test.delete_server_and_wait.assert_called_once_with('srv1')

    def test_view_kept(self):
        self.cloud.broken.add('view kept on delete')
        self.assert_fails('after deleting server srv1, cmp1 keeps',
                          'mount point %s/instance-00000001/scaphandre'
                          % fakes.VIEW_DIR,
                          'directory %s/instance-00000001' % fakes.VIEW_DIR)

    def test_no_share_before_delete(self):
        self.server.shared = False
        self.assert_fails('share of server srv1 on cmp1')
