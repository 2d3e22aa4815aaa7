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

"""The test classes' skip checks and the base class helpers.

Skip checks run through tempest's own skip_checks on tempest's fake
configuration; helpers run against mocked service clients.
"""

import importlib
import inspect
import pkgutil
import types
from unittest import mock

import ddt
import fixtures
from oslo_config import cfg
from tempest import config
from tempest.lib import exceptions as lib_exc
from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.placement import base_placement_client
from tempest.tests import base
from tempest.tests import fake_config

import virtiofs_scaphandre_tempest_plugin
from virtiofs_scaphandre_tempest_plugin.api import base as vs_base
from virtiofs_scaphandre_tempest_plugin.api import test_extra_specs
from virtiofs_scaphandre_tempest_plugin.api import test_host_views
from virtiofs_scaphandre_tempest_plugin.api import test_power_metrics_server
from virtiofs_scaphandre_tempest_plugin import config as vs_config
from virtiofs_scaphandre_tempest_plugin.scenario import test_guest_share
from virtiofs_scaphandre_tempest_plugin.scenario import test_move
from virtiofs_scaphandre_tempest_plugin.serial_tests import \
    test_compute_restart
from virtiofs_scaphandre_tempest_plugin.serial_tests import \
    test_file_backed_memory
from virtiofs_scaphandre_tempest_plugin.serial_tests import test_no_valid_host

GROUP = vs_config.GROUP_NAME


def test_classes():
    """Every class of the plugin that holds tempest tests."""
    found = set()
    package = virtiofs_scaphandre_tempest_plugin
    for info in pkgutil.walk_packages(package.__path__,
                                      package.__name__ + '.'):
        if '.hacking' in info.name:
            # flake8 checks, importable only where hacking is installed.
            continue
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, vs_base.VirtiofsScaphandreTest) and
                    any(n.startswith('test_') for n in vars(cls))):
                found.add(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


ALL_CLASSES = test_classes()


@ddt.ddt
class TestSkipChecks(base.TestCase):

    def setUp(self):
        super(TestSkipChecks, self).setUp()
        self.conf = self.useFixture(fake_config.ConfigFixture()).conf
        self.patchobject(config, 'TempestConfigPrivate',
                         fake_config.FakePrivate)
        for group, opts in vs_config.list_opts():
            config.register_opt_group(cfg.CONF, group, opts)
        self.conf.set_override('max_microversion', 'latest', 'compute')
        self.key = self.useFixture(fixtures.TempDir()).join('key')
        open(self.key, 'w').close()

    def _enable(self, **overrides):
        values = dict(enabled=True, power_metrics_flavor_ref='pm',
                      control_flavor_ref='ctl',
                      compute_ssh_private_key_path=self.key,
                      file_backed_memory_mb=1024)
        values.update(overrides)
        for name, value in values.items():
            self.conf.set_override(name, value, GROUP)
        self.conf.set_override('min_compute_nodes', 2, 'compute')
        self.conf.set_override('max_microversion', 'latest', 'placement')

    def _skip_reason(self, cls):
        try:
            cls.skip_checks()
        except cls.skipException as e:
            return str(e)
        return None

    @ddt.data(*ALL_CLASSES)
    def test_disabled_feature_skips_every_class(self, cls):
        self.assertIn('[virtiofs_scaphandre] enabled is False',
                      self._skip_reason(cls))

    @ddt.data(*ALL_CLASSES)
    def test_fully_configured_classes_run(self, cls):
        self._enable()
        self.assertIsNone(self._skip_reason(cls))

    def test_every_class_is_found(self):
        self.assertEqual(10, len(ALL_CLASSES), ALL_CLASSES)

    @ddt.data(
        (test_no_valid_host.NoValidHostTest,
         {'power_metrics_flavor_ref': ''}, 'power_metrics_flavor_ref'),
        (test_host_views.HostViewTest,
         {'compute_ssh_private_key_path': ''},
         'compute_ssh_private_key_path is not set'),
        (test_power_metrics_server.PowerMetricsServerTest,
         {'control_flavor_ref': ''}, 'control_flavor_ref is not set'),
        (test_guest_share.GuestShareTest,
         {'compute_ssh_private_key_path': ''},
         'compute_ssh_private_key_path is not set'),
        (test_compute_restart.ComputeRestartTest,
         {'nova_compute_restart_command': ''},
         'nova_compute_restart_command is empty'),
        (test_file_backed_memory.FileBackedMemoryTest,
         {'file_backed_memory_mb': 0}, 'file_backed_memory_mb is 0'),
    )
    @ddt.unpack
    def test_class_skips_naming_the_missing_setting(self, cls, overrides,
                                                    reason):
        self._enable(**overrides)
        self.assertIn(reason, self._skip_reason(cls))

    def test_single_compute_skips_the_move_tests(self):
        self._enable()
        self.conf.set_override('min_compute_nodes', 1, 'compute')
        self.assertIn('[compute] min_compute_nodes is 1',
                      self._skip_reason(test_move.ShareMoveTest))

    def test_placement_microversion_comes_from_tempest_options(self):
        self._enable()
        self.conf.set_override('max_microversion', '1.10', 'placement')
        reason = self._skip_reason(
            test_power_metrics_server.PowerMetricsServerTest)
        self.assertIn('1.14', reason)

    def test_guest_test_needs_validation(self):
        self._enable()
        self.conf.set_override('run_validation', False, 'validation')
        self.assertIn('run_validation is False', self._skip_reason(
            test_guest_share.GuestShareTest))
        self.assertIsNone(self._skip_reason(
            test_power_metrics_server.PowerMetricsServerTest))

    def test_extra_spec_validation_needs_microversion_2_86(self):
        self._enable()
        self.conf.set_override('max_microversion', '2.85', 'compute')
        self.assertIn('2.86', self._skip_reason(
            test_extra_specs.PowerMetricsExtraSpecTest))
        self.assertIsNone(self._skip_reason(
            test_no_valid_host.NoValidHostTest))

    def test_missing_key_file_is_an_error_not_a_skip(self):
        self._enable(compute_ssh_private_key_path='/nonexistent/key')
        e = self.assertRaises(
            lib_exc.InvalidConfiguration,
            test_power_metrics_server.PowerMetricsServerTest.skip_checks)
        self.assertIn('/nonexistent/key', str(e))


def hypervisor(host, uuid, state='up', status='enabled'):
    return {'id': uuid, 'hypervisor_hostname': host + '.example.org',
            'state': state, 'status': status,
            'service': {'host': host, 'id': 'svc-' + uuid}}


@ddt.ddt
class TestHelpers(base.TestCase):

    def setUp(self):
        super(TestHelpers, self).setUp()
        self.test = test_power_metrics_server.PowerMetricsServerTest(
            'test_power_metrics_server_has_read_only_share')
        self.test.vs_conf = types.SimpleNamespace(
            host_dir='/var/lib/libvirt/scaphandre',
            power_metrics_flavor_ref='pm', control_flavor_ref='ctl')
        self.test.admin_hypervisor_client = mock.Mock()
        self.test.rp_client = mock.Mock()
        self.test.admin_flavors_client = mock.Mock()
        self.test.addCleanup = mock.Mock()
        self.traits = {}
        self.test.rp_client.list_resource_provider_traits.side_effect = (
            lambda rp: {'traits': sorted(self.traits[rp]),
                        'resource_provider_generation': 7})

    def test_hosts_by_trait(self):
        self.test.admin_hypervisor_client.list_hypervisors.return_value = {
            'hypervisors': [hypervisor('cmp2', 'u2'),
                            hypervisor('cmp1', 'u1'),
                            hypervisor('cmp3', 'u3'),
                            hypervisor('down', 'u4', state='down'),
                            hypervisor('off', 'u5', status='disabled')]}
        self.traits = {'u1': {vs_base.TRAIT, 'HW_CPU_X86_AVX'},
                       'u2': {'COMPUTE_STORAGE_VIRTIO_FS'},
                       'u3': {vs_base.TRAIT}}
        self.assertEqual((['cmp1', 'cmp3'], ['cmp2']),
                         self.test.hosts_by_trait())
        self.assertEqual({'cmp1': 'u1', 'cmp2': 'u2', 'cmp3': 'u3'},
                         self.test.compute_providers())

    def _flavor_specs(self, specs):
        self.test.admin_flavors_client.show_flavor.return_value = {
            'flavor': {'id': 'f', 'ram': 512, 'vcpus': 1, 'disk': 1}}
        self.test.admin_flavors_client.list_flavor_extra_specs\
            .return_value = {'extra_specs': specs}

    @ddt.data({}, {'hw:power_metrics': 'false'},
              {'hw:power_metrics': 'foo'})
    def test_power_metrics_flavor_must_ask_power_metrics(self, specs):
        self._flavor_specs(specs)
        e = self.assertRaises(lib_exc.InvalidConfiguration,
                              self.test.power_metrics_flavor)
        self.assertIn('power_metrics_flavor_ref pm', str(e))

    def test_control_flavor_must_not_ask_power_metrics(self):
        self._flavor_specs({'hw:power_metrics': 'True'})
        e = self.assertRaises(lib_exc.InvalidConfiguration,
                              self.test.control_flavor)
        self.assertIn('control_flavor_ref ctl', str(e))

    def test_twin_flavor_drops_only_power_metrics(self):
        self._flavor_specs({'hw:power_metrics': 'true',
                            'hw:mem_page_size': 'large'})
        self.test.create_flavor = mock.Mock(return_value={'id': 'twin'})
        twin, specs = self.test.power_metrics_twin_flavor()
        self.assertEqual({'hw:mem_page_size': 'large'}, specs)
        self.test.create_flavor.assert_called_once_with(ram=512, vcpus=1,
                                                        disk=1)
        self.test.admin_flavors_client.set_flavor_extra_spec\
            .assert_called_once_with('twin', **{'hw:mem_page_size': 'large'})

    @ddt.data(
        ('ro,relatime', '1:2', '1:2', []),
        ('rw,relatime', '1:2', '1:2', ['not read-only']),
        (None, '1:2', '1:2', ['is not a mount point']),
        ('ro', '1:3', '1:2', ['is not a view of']),
        (None, '1:3', '1:2', ['is not a mount point', 'is not a view of']),
    )
    @ddt.unpack
    def test_readonly_view_problems(self, options, view_id, writable_id,
                                    expected):
        client = mock.Mock()
        client.exists.return_value = True
        client.mount_options.return_value = options
        client.file_identity.side_effect = (
            lambda path: view_id if path.endswith('/tag') else writable_id)
        self.test.compute_client = mock.Mock(return_value=client)
        problems = self.test.readonly_view_problems('cmp1', 'instance-1',
                                                    '/view/instance-1/tag')
        self.assertEqual(len(expected), len(problems), problems)
        for text, problem in zip(expected, problems):
            self.assertIn(text, problem)
        client.file_identity.assert_any_call(
            '/var/lib/libvirt/scaphandre/instance-1')

    def test_missing_view(self):
        client = mock.Mock()
        client.exists.return_value = False
        self.test.compute_client = mock.Mock(return_value=client)
        self.assertEqual(
            ["/view/instance-1/tag, the source of the domain's share, does "
             "not exist on cmp1"],
            self.test.readonly_view_problems('cmp1', 'instance-1',
                                             '/view/instance-1/tag'))
        client.file_identity.assert_not_called()

    def _server_on(self, host, xml):
        self.test.vs_conf = types.SimpleNamespace(
            mount_tag='tag', host_dir='/hd', readonly_view_dir='/view')
        self.test.show_server = mock.Mock(return_value={
            'OS-EXT-SRV-ATTR:host': host,
            'OS-EXT-SRV-ATTR:instance_name': 'instance-1'})
        self.client = mock.Mock()
        self.client.dumpxml.return_value = xml
        self.test.compute_client = mock.Mock(return_value=self.client)
        self.test.readonly_view_problems = mock.Mock(return_value=['rw'])

    @ddt.data(('/view/instance-1/tag', '', ['rw']),
              ('/hd/instance-1', '<readonly/>', []),
              ('/hd/instance-1', '', ['no <readonly/>']))
    @ddt.unpack
    def test_share_problems(self, source, readonly, expected):
        self._server_on('cmp2', "<domain><devices><filesystem><driver "
                        "type='virtiofs'/><source dir='%s'/><target "
                        "dir='tag'/>%s</filesystem></devices></domain>"
                        % (source, readonly))
        host, name, problems = self.test.share_problems('srv')
        self.assertEqual(('cmp2', 'instance-1'), (host, name))
        self.assertEqual(len(expected), len(problems), problems)
        for text, problem in zip(expected, problems):
            self.assertIn(text, problem)
        self.test.compute_client.assert_called_with('cmp2')
        self.client.dumpxml.assert_called_once_with('instance-1')

    def test_views_left(self):
        self._server_on('cmp1', '')
        self.client.mounts_under.return_value = ['/view/instance-1/tag']
        self.client.exists.return_value = True
        self.assertEqual(['mount point /view/instance-1/tag',
                          'directory /view/instance-1'],
                         self.test.views_left('cmp1', 'instance-1'))
        self.client.mounts_under.assert_called_once_with('/view/instance-1')
        self.client.mounts_under.return_value = []
        self.client.exists.return_value = False
        self.assertEqual([], self.test.views_left('cmp1', 'instance-1'))


class TestMicroversions(base.TestCase):

    def setUp(self):
        super(TestMicroversions, self).setUp()
        self.conf = self.useFixture(fake_config.ConfigFixture()).conf
        self.patchobject(config, 'TempestConfigPrivate',
                         fake_config.FakePrivate)
        for group, opts in vs_config.list_opts():
            config.register_opt_group(cfg.CONF, group, opts)

    def _resource_setup(self, cls):
        self.addCleanup(setattr, cls, '_class_cleanups', [])
        cls._class_cleanups = []
        cls.resource_setup()
        versions = (base_compute_client.COMPUTE_MICROVERSION,
                    base_placement_client.PLACEMENT_MICROVERSION)
        cls.resource_cleanup()
        self.assertEqual((None, None),
                         (base_compute_client.COMPUTE_MICROVERSION,
                          base_placement_client.PLACEMENT_MICROVERSION))
        return versions

    def test_placement_microversion_is_the_class_minimum(self):
        self.assertEqual(('2.74', '1.14'), self._resource_setup(
            test_host_views.HostViewTest))

    def test_configured_minimums_win(self):
        self.conf.set_override('min_microversion', '1.20', 'placement')
        self.conf.set_override('min_microversion', '2.90', 'compute')
        self.assertEqual(('2.90', '1.20'), self._resource_setup(
            test_no_valid_host.NoValidHostTest))

    def test_extra_spec_tests_use_2_86(self):
        self.assertEqual(('2.86', '1.14'), self._resource_setup(
            test_extra_specs.PowerMetricsExtraSpecTest))
