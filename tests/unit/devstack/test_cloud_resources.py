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

"""devstack/lib/cloud-resources: flavors, image, glance metadefs."""

import json
import os

from tests.unit.devstack import base

METADEFS = os.path.join(base.TOP_DIR, 'etc', 'glance', 'metadefs',
                        'compute-power-metrics.json')


class TestFlavorsAndImage(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestFlavorsAndImage, self).setUp()
        # What the install phase put there for glance to load.
        self.write(os.path.join(self.env['GLANCE_METADEF_DIR'],
                                'compute-power-metrics.json'),
                   self.read(METADEFS))

    def flavor(self, name):
        return self.read(self.path('cloud/flavor/' + name)).split('\n')

    def test_flavors_and_image(self):
        self.write(self.path('cloud/image/cirros-0.6.3-x86_64-disk'), 'x\n')
        r = self.run_bash('virtiofs_scaphandre_stack_extra',
                          env={'VIRTIOFS_SCAPHANDRE_EXPORTER': 'none'})
        self.assertOK(r)
        pm = self.flavor('power-metrics')
        self.assertIn('hw:power_metrics=true', pm)
        self.assertIn('hw:mem_page_size=2048', pm)
        ctl = self.flavor('power-metrics-control')
        self.assertNotIn('hw:power_metrics=true', ctl)
        self.assertIn('hw:mem_page_size=2048', ctl)
        image = self.read(self.path('cloud/image/power-metrics-image'))
        self.assertIn('hw_power_metrics=true', image)
        self.assertNotIn('hw_mem_page_size', image)
        self.assertIn('glance metadata definitions OS::Compute::PowerMetrics'
                      ' loaded (power_metrics)', r.stdout)
        # second run: properties set again, nothing created twice
        r = self.run_bash('virtiofs_scaphandre_stack_extra',
                          env={'VIRTIOFS_SCAPHANDRE_EXPORTER': 'none'})
        self.assertOK(r)
        verbs = [c[c.index('flavor') + 1] for c in r.called('openstack')
                 if 'flavor' in c]
        self.assertNotIn('create', verbs)
        self.assertIn('set', verbs)

    def test_image_named_after_image_urls(self):
        self.write(self.path('cloud/image/cirros-0.6.3-x86_64-disk'), 'x\n')
        r = self.run_bash('virtiofs_scaphandre_create_image', env={
            'DEFAULT_IMAGE_NAME': 'cirros-0.6.2-x86_64-disk',
            'IMAGE_URLS': 'https://download.cirros-cloud.net/0.6.3/'
                          'cirros-0.6.3-x86_64-disk.img'})
        self.assertOK(r)
        saves = [c for c in r.called('openstack') if 'save' in c]
        self.assertEqual('cirros-0.6.3-x86_64-disk', saves[0][-1])
        self.assertTrue(os.path.exists(
            self.path('cloud/image/power-metrics-image')))

    def test_uec_image_copy_keeps_kernel_and_ramdisk(self):
        # devstack uploads ssh-guest-uec.tar.gz as the ami "ssh-guest-uec"
        # with kernel_id and ramdisk_id properties.
        self.write(self.path('cloud/image/ssh-guest-uec'), '\n'.join([
            '--container-format', 'ami', '--disk-format', 'ami',
            '--property', 'kernel_id=K-1', '--property', 'ramdisk_id=R-1',
            'ssh-guest-uec']) + '\n')
        r = self.run_bash('virtiofs_scaphandre_create_image', env={
            'DEFAULT_IMAGE_NAME': '',
            'IMAGE_URLS': 'file:///opt/images/ssh-guest-uec.tar.gz'})
        self.assertOK(r)
        args = self.read(self.path('cloud/image/power-metrics-image')).split(
            '\n')
        self.assertEqual('ami', args[args.index('--container-format') + 1])
        self.assertEqual('ami', args[args.index('--disk-format') + 1])
        self.assertIn('kernel_id=K-1', args)
        self.assertIn('ramdisk_id=R-1', args)
        self.assertIn('hw_power_metrics=true', args)

    def test_no_default_image_warns(self):
        r = self.run_bash('virtiofs_scaphandre_stack_extra',
                          env={'VIRTIOFS_SCAPHANDRE_EXPORTER': 'none'})
        self.assertOK(r)
        self.assertTrue(any('skipping the power-metrics image' in w[0]
                            for w in r.called('warn')), repr(r))

    def test_compute_only_node_creates_nothing(self):
        r = self.run_bash('virtiofs_scaphandre_stack_extra', env={
            'ENABLED_SERVICES': 'n-cpu', 'VIRTIOFS_SCAPHANDRE_EXPORTER':
            'none'})
        self.assertOK(r)
        self.assertEqual([], r.called('openstack'))


class TestMetadefs(base.DevstackPluginTestCase):

    def test_file_is_glance_s_namespace_format(self):
        with open(METADEFS) as f:
            doc = json.load(f)
        self.assertEqual('OS::Compute::PowerMetrics', doc['namespace'])
        self.assertEqual({'OS::Glance::Image': 'hw_',
                          'OS::Cinder::Volume': 'hw_',
                          'OS::Nova::Flavor': 'hw:'},
                         {a['name']: a['prefix']
                          for a in doc['resource_type_associations']})
        # prefix + property = the names nova reads.
        self.assertEqual({'power_metrics'}, set(doc['properties']))
        self.assertEqual('boolean', doc['properties']['power_metrics']['type'])
        for key in ('display_name', 'description', 'visibility'):
            self.assertTrue(doc[key], key)

    def test_install_puts_it_where_init_glance_loads_from(self):
        r = self.run_bash('virtiofs_scaphandre_stack_install',
                          env={'ENABLED_SERVICES': 'g-api'})
        self.assertOK(r)
        installed = os.path.join(self.env['GLANCE_METADEF_DIR'],
                                 'compute-power-metrics.json')
        self.assertEqual(self.read(METADEFS), self.read(installed))
        r = self.run_bash('virtiofs_scaphandre_clean',
                          env={'ENABLED_SERVICES': 'g-api'})
        self.assertOK(r)
        self.assertFalse(os.path.exists(installed))

    def test_not_loaded_stops_stack_with_the_reason(self):
        r = self.run_bash('virtiofs_scaphandre_check_metadefs')
        self.assertDies(r, 'glance has no metadata definition',
                        'OS::Compute::PowerMetrics power_metrics',
                        'compute-power-metrics.json',
                        'No property power_metrics in namespace')

    def test_stack_sh_s_trace_stays_out_of_the_messages(self):
        # stack.sh runs with xtrace on; the trace goes to stderr.
        self.write(os.path.join(self.env['GLANCE_METADEF_DIR'],
                                'compute-power-metrics.json'),
                   self.read(METADEFS))
        r = self.run_bash('set -o xtrace; virtiofs_scaphandre_check_metadefs')
        self.assertOK(r)
        line = [x for x in r.stdout.splitlines()
                if 'metadata definitions' in x]
        self.assertEqual(['virtiofs-scaphandre: glance metadata definitions '
                          'OS::Compute::PowerMetrics loaded (power_metrics)'],
                         line)
        r = self.run_bash('rm %s/*.json; set -o xtrace; '
                          'virtiofs_scaphandre_check_metadefs'
                          % self.env['GLANCE_METADEF_DIR'])
        self.assertNotIn('+', r.called('die')[0][0].split('):')[-1])
