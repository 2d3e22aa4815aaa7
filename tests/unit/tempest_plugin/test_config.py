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

"""The plugin class and its [virtiofs_scaphandre] group."""

from importlib import metadata as importlib_metadata
import os

import ddt
import fixtures
from oslo_config import cfg
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin import config as vs_config
from virtiofs_scaphandre_tempest_plugin import plugin


@ddt.ddt
class TestPluginConfig(base.TestCase):

    def setUp(self):
        super(TestPluginConfig, self).setUp()
        self.conf = cfg.ConfigOpts()
        self.plugin = plugin.VirtiofsScaphandreTempestPlugin()
        self.plugin.register_opts(self.conf)
        self.conf([], default_config_files=[])

    @ddt.data(
        ('enabled', False),
        ('power_metrics_flavor_ref', None),
        ('control_flavor_ref', None),
        ('mount_tag', 'scaphandre'),
        ('host_dir', '/var/lib/libvirt/scaphandre'),
        ('readonly_view_dir', '/opt/stack/data/nova/share_local_fs'),
        ('image_ref', ''),
        ('image_ssh_user', 'cirros'),
        ('compute_ssh_user', 'stack'),
        ('compute_ssh_private_key_path', ''),
        ('compute_addresses', {}),
        ('exporter_period', 5),
        ('nova_compute_restart_command', 'systemctl restart devstack@n-cpu'),
        ('nova_compute_config_file', '/etc/nova/nova-cpu.conf'),
        ('file_backed_memory_mb', 0),
    )
    @ddt.unpack
    def test_option_default(self, name, default):
        self.assertEqual(default, getattr(self.conf.virtiofs_scaphandre, name))

    def test_group_has_exactly_the_interface_options(self):
        names = {opt.name for opt in vs_config.VirtiofsScaphandreGroup}
        self.assertEqual(
            {'enabled', 'power_metrics_flavor_ref', 'control_flavor_ref',
             'mount_tag', 'host_dir', 'readonly_view_dir', 'image_ref',
             'image_ssh_user', 'compute_ssh_user',
             'compute_ssh_private_key_path', 'compute_addresses',
             'exporter_period', 'nova_compute_restart_command',
             'nova_compute_config_file', 'file_backed_memory_mb'}, names)

    def test_values_are_read_from_a_config_file(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'tempest.conf')
        with open(path, 'w') as f:
            f.write('[virtiofs_scaphandre]\n'
                    'enabled = true\n'
                    'compute_addresses = cmp1:192.0.2.10,cmp2:192.0.2.11\n'
                    'exporter_period = 2\n'
                    'file_backed_memory_mb = 2048\n')
        self.conf([], default_config_files=[path])
        group = self.conf.virtiofs_scaphandre
        self.assertTrue(group.enabled)
        self.assertEqual({'cmp1': '192.0.2.10', 'cmp2': '192.0.2.11'},
                         group.compute_addresses)
        self.assertEqual((2, 2048), (group.exporter_period,
                                     group.file_backed_memory_mb))

    @ddt.data(('exporter_period', 0), ('file_backed_memory_mb', -1))
    @ddt.unpack
    def test_out_of_range_is_refused(self, name, value):
        self.assertRaises(ValueError, self.conf.set_override,
                          name, value, group='virtiofs_scaphandre')

    def test_opt_lists_match_registered_group(self):
        [(name, opts)] = self.plugin.get_opt_lists()
        self.assertEqual('virtiofs_scaphandre', name)
        self.assertIs(vs_config.VirtiofsScaphandreGroup, opts)

    def test_load_tests_points_at_the_test_package(self):
        test_dir, top_dir = self.plugin.load_tests()
        self.assertTrue(os.path.isfile(os.path.join(test_dir, '__init__.py')))
        self.assertEqual(
            os.path.join(top_dir, 'virtiofs_scaphandre_tempest_plugin'),
            test_dir)

    def test_entry_point_loads_the_plugin_class(self):
        eps = importlib_metadata.entry_points(group='tempest.test_plugins')
        [ep] = [ep for ep in eps if ep.name == 'virtiofs-scaphandre']
        self.assertIs(plugin.VirtiofsScaphandreTempestPlugin, ep.load())
