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

"""The bodies of the tempest tests, against a scripted cloud.

Each tempest test runs with its cloud-facing helpers replaced by mocks
that play a cloud with or without the feature: the test must pass on the
first and fail, naming the problem, on the second.
"""

import json
import types
from unittest import mock

import ddt
from oslo_config import cfg
from tempest import config
from tempest.lib import exceptions as lib_exc
from tempest.tests import base
from tempest.tests import fake_config

from virtiofs_scaphandre_tempest_plugin.api import base as vs_base
from virtiofs_scaphandre_tempest_plugin.api import test_domain_xml
from virtiofs_scaphandre_tempest_plugin.api import test_extra_specs
from virtiofs_scaphandre_tempest_plugin.api import test_live_migration
from virtiofs_scaphandre_tempest_plugin.api import test_scheduling
from virtiofs_scaphandre_tempest_plugin import config as vs_config
from virtiofs_scaphandre_tempest_plugin.scenario import test_readonly_share

INSTANCE = 'instance-00000007'
TAG = 'scaphandre'
HOST_DIR = '/var/lib/libvirt/scaphandre'
VIEW_DIR = '/opt/stack/data/nova/share_local_fs'
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
</domain>""" % {'name': INSTANCE, 'view': VIEW_DIR, 'tag': TAG}
CONTROL_XML = """<domain type='kvm'><name>%s</name><devices/></domain>""" % (
    INSTANCE)


class PluginTestCase(base.TestCase):

    cls = None
    method = None

    def setUp(self):
        super(PluginTestCase, self).setUp()
        self.conf = self.useFixture(fake_config.ConfigFixture()).conf
        self.patchobject(config, 'TempestConfigPrivate',
                         fake_config.FakePrivate)
        for group, opts in vs_config.list_opts():
            config.register_opt_group(cfg.CONF, group, opts)
        self.test = self.cls(self.method)
        self.test.vs_conf = types.SimpleNamespace(
            mount_tag=TAG, host_dir=HOST_DIR, readonly_view_dir=VIEW_DIR,
            power_metrics_flavor_ref='pm', control_flavor_ref='ctl',
            image_ref='', image_ssh_user='cirros')
        self.test.addCleanup = mock.Mock()
        self.test.create_server = mock.Mock(return_value={'id': 'srv'})
        self.test.power_metrics_flavor = mock.Mock(return_value=(
            {'id': 'pm'}, {'hw:power_metrics': 'true',
                           'hw:mem_page_size': 'large'}))
        self.test.control_flavor = mock.Mock(return_value=({'id': 'ctl'},
                                                           {}))
        self.test.power_metrics_twin_flavor = mock.Mock(return_value=(
            {'id': 'twin'}, {'hw:mem_page_size': 'large'}))
        self.test.copy_image = mock.Mock(return_value='img-pm')

    def run_test(self, *suffix):
        return getattr(self.test, self.method)(*suffix)


class TestDomainXML(PluginTestCase):

    cls = test_domain_xml.DomainXMLTest
    method = 'test_power_metrics_server_has_read_only_share'

    def setUp(self):
        super(TestDomainXML, self).setUp()
        self.test.readonly_view_problems = mock.Mock(return_value=[])

    def _xml(self, text):
        self.test.get_server_xml = mock.Mock(return_value=(
            'cmp1', INSTANCE, vs_base.domain_xml.parse(text)))

    def test_feature_present(self):
        self._xml(GOOD_XML)
        self.run_test()
        self.test.readonly_view_problems.assert_called_once_with(
            'cmp1', INSTANCE, '%s/%s/%s' % (VIEW_DIR, INSTANCE, TAG))
        self.test.create_server.assert_called_once_with('pm')

    def test_no_share(self):
        self._xml(CONTROL_XML)
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn("no <filesystem> with <target dir='scaphandre'/>",
                      str(e))

    def test_view_not_read_only_on_the_compute(self):
        self._xml(GOOD_XML)
        self.test.readonly_view_problems.return_value = ['mounted rw']
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('mounted rw', str(e))

    def test_memory_not_shared(self):
        self._xml(GOOD_XML.replace("<access mode='shared'/>", ''))
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('guest memory is not shared', str(e))

    def test_control_server(self):
        self.test = self.cls('test_control_server_has_no_share')
        self.setUp_control()
        self.test.get_server_xml = mock.Mock(return_value=(
            'cmp1', INSTANCE, vs_base.domain_xml.parse(CONTROL_XML)))
        self.test.test_control_server_has_no_share()
        self.test.get_server_xml.return_value = (
            'cmp1', INSTANCE, vs_base.domain_xml.parse(GOOD_XML))
        e = self.assertRaises(AssertionError,
                              self.test.test_control_server_has_no_share)
        self.assertIn('unexpected virtiofs filesystem', str(e))

    def setUp_control(self):
        self.test.create_server = mock.Mock(return_value={'id': 'ctl-srv'})
        self.test.control_flavor = mock.Mock(return_value=({'id': 'ctl'},
                                                           {}))


@ddt.ddt
class TestScheduling(PluginTestCase):

    cls = test_scheduling.PowerMetricsSchedulingTest
    method = 'test_server_lands_on_provider_with_trait_1_flavor'

    def setUp(self):
        super(TestScheduling, self).setUp()
        self.traits = {'rp1': {vs_base.TRAIT}, 'rp2': {'OTHER'}}
        self.test.provider_traits = mock.Mock(
            side_effect=lambda rp: (self.traits[rp], 3))

    @ddt.data(('test_server_lands_on_provider_with_trait_1_flavor',
               ('pm', 'fake_image_id')),
              ('test_server_lands_on_provider_with_trait_2_image',
               ('twin', 'img-pm')))
    @ddt.unpack
    def test_lands_on_trait_provider(self, method, request):
        self.test.allocation_roots = mock.Mock(return_value={'rp1'})
        getattr(self.test, method)()
        self.test.create_server.assert_called_once_with(*request)

    def test_image_source_uploads_an_image_with_the_property(self):
        self.test.allocation_roots = mock.Mock(return_value={'rp1'})
        self.test.test_server_lands_on_provider_with_trait_2_image()
        self.test.copy_image.assert_called_once_with(
            'fake_image_id', hw_power_metrics='true')

    def test_lands_on_provider_without_trait(self):
        self.test.allocation_roots = mock.Mock(return_value={'rp1', 'rp2'})
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('resource provider rp2, which lacks', str(e))

    def test_no_allocation(self):
        self.test.allocation_roots = mock.Mock(return_value=set())
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('no allocation in placement', str(e))


@ddt.ddt
class TestNoValidHost(PluginTestCase):

    cls = test_scheduling.PowerMetricsSchedulingTest
    method = 'test_no_valid_host_without_trait_1_flavor'

    def setUp(self):
        super(TestNoValidHost, self).setUp()
        self.test.compute_providers = mock.Mock(
            return_value={'cmp1': 'rp1', 'cmp2': 'rp2'})
        self.test.hosts_by_trait = mock.Mock(
            return_value=(['cmp1', 'cmp2'], []))
        self.test.remove_trait_for_this_test = mock.Mock()
        self.test.provider_traits = mock.Mock(return_value=(set(), 1))
        self.test.wait_for_build_result = mock.Mock(return_value={
            'id': 'srv', 'status': 'ERROR',
            'fault': {'message': 'No valid host was found. '}})

    def test_trait_taken_off_the_only_candidate(self):
        self.run_test()
        self.test.remove_trait_for_this_test.assert_called_once_with('rp1')
        self.assertEqual(
            [mock.call('pm', 'fake_image_id', host='cmp1', wait_until=None),
             mock.call('twin', host='cmp1')],
            self.test.create_server.call_args_list)

    def test_host_without_trait_is_used_as_is(self):
        self.test.hosts_by_trait.return_value = (['cmp1'], ['cmp2'])
        self.run_test()
        self.test.remove_trait_for_this_test.assert_not_called()
        self.assertEqual('cmp2',
                         self.test.create_server.call_args[1]['host'])

    def test_image_source(self):
        self.test.test_no_valid_host_without_trait_2_image()
        self.assertEqual(
            mock.call('twin', 'img-pm', host='cmp1', wait_until=None),
            self.test.create_server.call_args_list[0])

    def test_server_went_active(self):
        self.test.wait_for_build_result.return_value = {
            'id': 'srv', 'status': 'ACTIVE'}
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('went ACTIVE on cmp1', str(e))

    def test_other_failure(self):
        self.test.wait_for_build_result.return_value = {
            'id': 'srv', 'status': 'ERROR',
            'fault': {'message': 'Build of instance aborted'}}
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('another reason than the missing trait', str(e))

    def test_no_compute(self):
        self.test.compute_providers.return_value = {}
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('no nova-compute is enabled and up', str(e))


@ddt.ddt
class TestLiveMigration(PluginTestCase):

    cls = test_live_migration.LiveMigrationRefusedTest
    method = 'test_power_metrics_server_live_migration_refused_1_True'

    def setUp(self):
        super(TestLiveMigration, self).setUp()
        self.test.hosts_by_trait = mock.Mock(
            return_value=(['cmp1', 'cmp2'], []))
        self.test.admin_servers_client = mock.Mock()
        self.migrate = self.test.admin_servers_client.live_migrate_server
        self.migrate.side_effect = lib_exc.Conflict()
        self.test.show_server = mock.Mock(return_value={
            'status': 'ACTIVE', 'OS-EXT-STS:task_state': None,
            'OS-EXT-SRV-ATTR:host': 'cmp1'})

    @ddt.data(('test_power_metrics_server_live_migration_refused_1_True',
               'cmp2'),
              ('test_power_metrics_server_live_migration_refused_2_False',
               None))
    @ddt.unpack
    def test_refused(self, method, target):
        getattr(self.test, method)()
        self.test.create_server.assert_called_once_with('pm', host='cmp1')
        self.migrate.assert_called_once_with('srv', host=target,
                                             block_migration='auto')

    def test_accepted_migration_fails_the_test(self):
        self.migrate.side_effect = None
        self.assertRaises(AssertionError, self.run_test)

    def test_server_left_migrating(self):
        self.test.show_server.return_value = {
            'status': 'MIGRATING', 'OS-EXT-STS:task_state': 'migrating',
            'OS-EXT-SRV-ATTR:host': 'cmp1'}
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('after the refused live migration', str(e))

    def test_one_trait_host_skips(self):
        self.test.hosts_by_trait.return_value = (['cmp1'], ['cmp2'])
        e = self.assertRaises(self.test.skipException, self.run_test)
        self.assertIn('placement shows', str(e))

    @mock.patch('tempest.common.waiters.wait_for_server_status')
    def test_control_moves(self, wait):
        test = self.cls('test_control_server_live_migrates_between_same_hosts')
        for name in ('vs_conf', 'addCleanup', 'create_server',
                     'control_flavor', 'hosts_by_trait',
                     'admin_servers_client'):
            setattr(test, name, getattr(self.test, name))
        self.migrate.side_effect = None
        test.get_host_for_server = mock.Mock(return_value='cmp2')
        test.test_control_server_live_migrates_between_same_hosts()
        test.create_server.assert_called_once_with('ctl', host='cmp1')
        self.migrate.assert_called_once_with('srv', host='cmp2',
                                             block_migration='auto')
        test.get_host_for_server.return_value = 'cmp1'
        e = self.assertRaises(
            AssertionError,
            test.test_control_server_live_migrates_between_same_hosts)
        self.assertIn('did not live migrate from cmp1 to cmp2', str(e))


class TestExtraSpecs(PluginTestCase):

    cls = test_extra_specs.PowerMetricsExtraSpecTest
    method = 'test_non_boolean_value_rejected_1_foo'

    def setUp(self):
        super(TestExtraSpecs, self).setUp()
        self.test.create_flavor = mock.Mock(return_value={'id': 'f'})
        self.test.admin_flavors_client = mock.Mock()
        self.client = self.test.admin_flavors_client
        self.client.list_flavor_extra_specs.return_value = {
            'extra_specs': {}}

    def test_rejected(self):
        self.client.set_flavor_extra_spec.side_effect = lib_exc.BadRequest()
        self.run_test()
        self.client.set_flavor_extra_spec.assert_called_once_with(
            'f', **{'hw:power_metrics': 'foo'})

    def test_accepted_bad_value_fails(self):
        self.assertRaises(AssertionError, self.run_test)

    def test_boolean_accepted_and_stored(self):
        self.client.list_flavor_extra_specs.return_value = {
            'extra_specs': {'hw:power_metrics': 'False'}}
        self.test.test_boolean_value_accepted_2_False()
        self.client.list_flavor_extra_specs.return_value = {
            'extra_specs': {}}
        self.assertRaises(AssertionError,
                          self.test.test_boolean_value_accepted_2_False)


class FakeGuest(object):
    """A guest whose share is read-only unless told otherwise."""

    def __init__(self, compute, tags=(TAG,), virtiofs=True, writable=False):
        self.compute = compute
        self.tags = tags
        self.virtiofs = virtiofs
        self.writable = writable
        self.commands = []

    def exec_command(self, cmd):
        self.commands.append(cmd)
        if cmd.startswith('curl'):
            return json.dumps({'devices': [{'type': 'share', 'tag': t}
                                           for t in self.tags]})
        if 'modprobe' in cmd:
            return 'nodev\tvirtiofs\n' if self.virtiofs else ''
        if cmd.startswith('cat '):
            name = cmd.rsplit('/', 1)[1]
            return self.compute.files[HOST_DIR + '/' + INSTANCE + '/' + name]
        if 'echo written' in cmd:
            if not self.writable:
                raise lib_exc.SSHExecCommandFailed(
                    command=cmd, exit_status=1, stdout='',
                    stderr='sh: can\'t create: Read-only file system')
            name = cmd.split('> ')[1].rstrip("'").rsplit('/', 1)[1]
            self.compute.files[HOST_DIR + '/' + INSTANCE + '/' + name] = 'w'
        return ''


class FakeCompute(object):

    def __init__(self):
        self.files = {}
        self.dirs = {HOST_DIR + '/' + INSTANCE}

    def exists(self, path):
        return path in self.files or path in self.dirs

    def write_file(self, path, content):
        self.files[path] = content

    def remove_file(self, path):
        self.files.pop(path, None)


class TestReadOnlyShare(PluginTestCase):

    cls = test_readonly_share.ReadOnlyShareTest
    method = 'test_guest_reads_host_file_and_cannot_write'

    def setUp(self):
        super(TestReadOnlyShare, self).setUp()
        self.compute = FakeCompute()
        self.guest = FakeGuest(self.compute)
        self.test._guest = mock.Mock(side_effect=lambda flavor_id: (
            {'id': 'srv'}, self.guest))
        self.test.show_server = mock.Mock(return_value={
            'OS-EXT-SRV-ATTR:host': 'cmp1',
            'OS-EXT-SRV-ATTR:instance_name': INSTANCE})
        self.test.compute_client = mock.Mock(return_value=self.compute)
        self.conf.set_override('build_timeout', 1, 'compute')
        self.conf.set_override('build_interval', 0, 'compute')

    def test_read_only_share(self):
        self.run_test()
        mounts = [c for c in self.guest.commands if 'mount -t virtiofs' in c]
        self.assertEqual(['sudo mkdir -p /mnt/virtiofs-scaphandre && sudo '
                          'mount -t virtiofs scaphandre '
                          '/mnt/virtiofs-scaphandre'], mounts)
        self.assertTrue(any('remount,rw' in c for c in self.guest.commands))
        self.assertEqual(2, len([c for c in self.guest.commands
                                 if 'echo written' in c]))

    def test_writable_share_fails(self):
        self.guest.writable = True
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('as mounted: the guest wrote', str(e))

    def test_tag_missing_from_metadata(self):
        self.guest.tags = ('other',)
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn("tag 'scaphandre' of server srv never showed", str(e))
        self.assertIn("['other']", str(e))

    def test_image_without_virtiofs(self):
        self.guest.virtiofs = False
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('CirrOS 0.6.3', str(e))

    def test_nova_did_not_create_the_directory(self):
        self.compute.dirs = set()
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('nova did not create', str(e))

    def test_guest_reads_other_content(self):
        real_write = self.compute.write_file
        self.compute.write_file = lambda path, content: real_write(
            path, 'stale')
        e = self.assertRaises(AssertionError, self.run_test)
        self.assertIn('the guest read another content', str(e))
