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

"""The helpers that change placement and nova-compute, undone after."""

import types
from unittest import mock

from oslo_config import cfg
from tempest import config
from tempest.lib import exceptions as lib_exc
from tempest.tests import base
from tempest.tests import fake_config

from virtiofs_scaphandre_tempest_plugin.api import base as vs_base
from virtiofs_scaphandre_tempest_plugin import config as vs_config
from virtiofs_scaphandre_tempest_plugin.serial_tests import \
    test_compute_restart
from virtiofs_scaphandre_tempest_plugin.serial_tests import test_no_valid_host


class TestHostState(base.TestCase):

    def setUp(self):
        super(TestHostState, self).setUp()
        conf = self.useFixture(fake_config.ConfigFixture()).conf
        self.patchobject(config, 'TempestConfigPrivate',
                         fake_config.FakePrivate)
        for group, opts in vs_config.list_opts():
            config.register_opt_group(cfg.CONF, group, opts)
        conf.set_override('build_timeout', 1, 'compute')
        conf.set_override('build_interval', 0, 'compute')
        self.test = test_compute_restart.ComputeRestartTest(
            'test_running_guest_keeps_reading_across_nova_compute_restart')
        self.test.vs_conf = types.SimpleNamespace(
            nova_compute_restart_command='systemctl restart devstack@n-cpu',
            nova_compute_config_file='/etc/nova/nova-cpu.conf')
        self.test.addCleanup = mock.Mock()
        self.test.rp_client = mock.Mock()
        self.traits = {}
        self.test.rp_client.list_resource_provider_traits.side_effect = (
            lambda rp: {'traits': sorted(self.traits[rp]),
                        'resource_provider_generation': 7})
        self.compute = mock.Mock()
        self.test.compute_client = mock.Mock(return_value=self.compute)

    def test_serial_classes(self):
        for cls in (test_compute_restart.ComputeRestartTest,
                    test_no_valid_host.NoValidHostTest):
            self.assertTrue(cls.is_serial_execution_requested(), cls)

    def test_trait_removed_then_restored(self):
        self.traits = {'u1': {vs_base.TRAIT, 'OTHER'}}
        self.test.remove_trait_for_this_test('u1')
        self.test.rp_client.update_resource_provider_traits\
            .assert_called_once_with('u1', traits=['OTHER'],
                                     resource_provider_generation=7)
        restore, rp = self.test.addCleanup.call_args[0]
        self.assertEqual('u1', rp)

        self.traits = {'u1': {'OTHER'}}
        update = self.test.rp_client.update_resource_provider_traits
        update.reset_mock()
        update.side_effect = [lib_exc.Conflict(), None]
        restore(rp)
        self.assertEqual(
            [mock.call('u1', traits=sorted(['OTHER', vs_base.TRAIT]),
                       resource_provider_generation=7)] * 2,
            update.call_args_list)

    def test_restore_skips_when_compute_put_it_back(self):
        self.traits = {'u1': {vs_base.TRAIT}}
        self.test._restore_trait('u1')
        self.test.rp_client.update_resource_provider_traits\
            .assert_not_called()

    def test_restore_gives_up_with_a_clear_error(self):
        self.traits = {'u1': set()}
        self.test.rp_client.update_resource_provider_traits.side_effect = (
            lib_exc.Conflict())
        e = self.assertRaises(lib_exc.TempestException,
                              self.test._restore_trait, 'u1')
        self.assertIn('could not put %s back' % vs_base.TRAIT, str(e))

    def test_restart_runs_the_configured_command(self):
        self.test.restart_nova_compute('cmp1')
        self.test.compute_client.assert_called_once_with('cmp1')
        self.compute.run.assert_called_once_with(
            'systemctl restart devstack@n-cpu')

    def test_rpc_answer_after_a_timeout(self):
        self.test.servers_client = mock.Mock()
        console = self.test.servers_client.get_console_output
        console.side_effect = [lib_exc.ServerFault('MessagingTimeout'), {}]
        self.test.wait_for_compute_rpc('srv')
        self.assertEqual([mock.call('srv', length=1)] * 2,
                         console.call_args_list)

    def test_compute_that_never_answers(self):
        self.test.servers_client = mock.Mock()
        self.test.servers_client.get_console_output.side_effect = (
            lib_exc.ServerFault('MessagingTimeout'))
        e = self.assertRaises(lib_exc.TimeoutException,
                              self.test.wait_for_compute_rpc, 'srv')
        self.assertIn('the nova-compute of server srv did not answer', str(e))
        self.assertIn('MessagingTimeout', str(e))

    def test_reconfigure_appends_and_the_clean_up_restores(self):
        self.test.restart_nova_compute = mock.Mock()
        self.test.reconfigure_nova_compute('cmp1', '[libvirt]\nx = 1\n')
        backup = self.compute.copy_file.call_args[0][1]
        self.assertTrue(backup.startswith('/etc/nova/nova-cpu.conf.'))
        self.compute.copy_file.assert_called_once_with(
            '/etc/nova/nova-cpu.conf', backup)
        self.compute.append_file.assert_called_once_with(
            '/etc/nova/nova-cpu.conf', '[libvirt]\nx = 1\n')
        self.test.restart_nova_compute.assert_called_once_with('cmp1')

        restore, *args = self.test.addCleanup.call_args[0]
        restore(*args)
        self.compute.copy_file.assert_called_with(
            backup, '/etc/nova/nova-cpu.conf')
        self.compute.remove_file.assert_called_once_with(backup)
        self.assertEqual(2, self.test.restart_nova_compute.call_count)

    def test_wait_for_provider_trait(self):
        self.traits = {'rp': {'COMPUTE_MEM_BACKING_FILE'}}
        self.test.wait_for_provider_trait('rp', 'COMPUTE_MEM_BACKING_FILE',
                                          True)
        e = self.assertRaises(lib_exc.TimeoutException,
                              self.test.wait_for_provider_trait, 'rp',
                              'COMPUTE_MEM_BACKING_FILE', False)
        self.assertIn('resource provider rp still has '
                      'COMPUTE_MEM_BACKING_FILE', str(e))
