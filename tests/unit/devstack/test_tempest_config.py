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

"""devstack/lib/tempest-config: the plugin in tempest, its config group."""

import os

from tests.unit.devstack import base


class TestTestConfig(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestTestConfig, self).setUp()
        for kind, name in (('flavor', 'power-metrics'),
                           ('flavor', 'power-metrics-control'),
                           ('image', 'power-metrics-image')):
            self.write(self.path('cloud/%s/%s' % (kind, name)), 'x\n')

    def test_tempest_options(self):
        r = self.run_bash('virtiofs_scaphandre_stack_test_config', env={
            'VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY': '/home/zuul/.ssh/id_rsa',
            'VIRTIOFS_SCAPHANDRE_COMPUTE_NODES': '2',
            'VIRTIOFS_SCAPHANDRE_COMPUTE_ADDRESSES':
                'c1:10.0.0.1,c2:10.0.0.2'})
        self.assertOK(r)
        g = dict(self.ini(self.tempest_conf).items('virtiofs_scaphandre'))
        self.assertEqual({
            'enabled': 'True',
            'power_metrics_flavor_ref': 'id-flavor-power-metrics',
            'control_flavor_ref': 'id-flavor-power-metrics-control',
            'mount_tag': 'scaphandre',
            'host_dir': self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'],
            'readonly_view_dir': '/opt/stack/data/nova/share_local_fs',
            'image_ref': 'id-image-power-metrics-image',
            'image_ssh_user': 'cirros',
            'compute_ssh_user': self.env['STACK_USER'],
            'compute_ssh_private_key_path': '/home/zuul/.ssh/id_rsa',
            'compute_addresses': 'c1:10.0.0.1,c2:10.0.0.2',
            'file_backed_memory_mb': '1024',
        }, g)
        conf = self.ini(self.tempest_conf)
        self.assertEqual('2', conf.get('compute', 'min_compute_nodes'))
        self.assertEqual('latest', conf.get('placement', 'max_microversion'))
        self.assertEqual([['TEMPEST_PLUGINS=%s' % base.TOP_DIR]],
                         r.called('install_tempest_plugins'))

    def test_power_metrics_image_never_tempest_default_image(self):
        # devstack's configure_tempest picked the first image by name.
        self.write(self.path('cloud/image/ssh-guest-uec'), 'x\n')
        self.write(self.tempest_conf,
                   '[compute]\nimage_ref = id-image-power-metrics-image\n'
                   'image_ref_alt = id-image-power-metrics-image\n')
        r = self.run_bash('virtiofs_scaphandre_stack_test_config', env={
            'DEFAULT_IMAGE_NAME': 'cirros-0.6.3-x86_64-disk',
            'IMAGE_URLS': 'file:///opt/images/ssh-guest-uec.tar.gz'})
        self.assertOK(r)
        compute = dict(self.ini(self.tempest_conf).items('compute'))
        self.assertEqual('id-image-ssh-guest-uec', compute['image_ref'])
        self.assertEqual('id-image-ssh-guest-uec', compute['image_ref_alt'])
        # The plugin's own group still boots the power-metrics image.
        self.assertEqual('id-image-power-metrics-image', self.ini(
            self.tempest_conf).get('virtiofs_scaphandre', 'image_ref'))

    def test_other_tempest_default_image_kept(self):
        self.write(self.path('cloud/image/cirros'), 'x\n')
        self.write(self.tempest_conf, '[compute]\nimage_ref = id-x\n')
        r = self.run_bash('virtiofs_scaphandre_stack_test_config', env={
            'DEFAULT_IMAGE_NAME': 'cirros'})
        self.assertOK(r)
        self.assertEqual('id-x', self.ini(self.tempest_conf).get(
            'compute', 'image_ref'))

    def test_placement_microversion_set_by_the_job_is_kept(self):
        self.write(self.tempest_conf, '[placement]\nmax_microversion = 1.39\n')
        r = self.run_bash('virtiofs_scaphandre_stack_test_config')
        self.assertOK(r)
        self.assertEqual('1.39', self.ini(self.tempest_conf).get(
            'placement', 'max_microversion'))

    def test_plugin_already_in_tempest_plugins(self):
        r = self.run_bash('virtiofs_scaphandre_stack_test_config', env={
            'TEMPEST_PLUGINS':
                '/opt/stack/whitebox /opt/stack/virtiofs-scaphandre'})
        self.assertOK(r)
        self.assertEqual([], r.called('install_tempest_plugins'))

    def test_missing_flavor_dies(self):
        os.unlink(self.path('cloud/flavor/power-metrics'))
        r = self.run_bash('virtiofs_scaphandre_stack_test_config')
        self.assertDies(r, 'power-metrics', 'not found for tempest')

    def test_no_tempest_no_config(self):
        r = self.run_bash('virtiofs_scaphandre_stack_test_config',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertFalse(self.ini(self.tempest_conf).has_section(
            'virtiofs_scaphandre'))
