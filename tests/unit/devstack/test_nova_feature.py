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

"""devstack/lib/nova-feature: nova's tree and nova's configuration."""

import json
import os

from tests.unit.devstack import base

# How nova_patches (0006) defines the option; an upstream nova may wrap it.
OPTION_AS_THE_SERIES_WRITES_IT = (
    "compute_group_opts = [\n    cfg.StrOpt('share_local_fs',\n"
    "        default=None),\n]\n")
OPTION_WRAPPED = (
    'opts = [\n    cfg.DictOpt(\n        "share_local_fs",\n'
    '        default={}),\n]\n')


class TestNovaPatches(base.DevstackPluginTestCase):

    def tool_calls(self):
        p = self.path('patch-tool.log')
        return self.read(p).splitlines() if os.path.exists(p) else []

    def nova_with_option(self, text):
        return self.write(os.path.join(self.nova_dir, 'nova', 'conf',
                                       'compute.py'), text)

    def test_pre_install_clones_then_patches(self):
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install',
                          env={'ENABLED_SERVICES': 'n-api,n-cond'})
        self.assertOK(r)
        self.assertEqual(
            [['https://opendev.org/openstack/nova.git', self.nova_dir,
              'master']], r.called('git_clone'))
        self.assertEqual(['apply %s skip_base=False' % self.nova_dir,
                          'check %s skip_base=unset' % self.nova_dir],
                         self.tool_calls())
        # no compute service: no hugepages
        self.assertEqual([], r.called('mount'))

    def test_existing_tree_is_not_cloned(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertEqual([], r.called('git_clone'))
        self.assertEqual(2, len(self.tool_calls()))

    def test_nova_carrying_the_feature_is_left_alone(self):
        # nova master with the feature (e.g. from a Depends-On), with the
        # default VIRTIOFS_SCAPHANDRE_APPLY_NOVA_PATCHES=True: no patching,
        # even though the tool would refuse that nova.
        for text in (OPTION_AS_THE_SERIES_WRITES_IT, OPTION_WRAPPED):
            self.nova_with_option(text)
            self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = \
                self.fake_patch_tool(check_rc=1, apply_rc=2)
            r = self.run_bash('virtiofs_scaphandre_stack_pre_install && '
                              'virtiofs_scaphandre_stack_install',
                              env={'ENABLED_SERVICES': 'n-api'})
            self.assertOK(r)
            self.assertNotIn('apply', ' '.join(self.tool_calls()))
            self.assertEqual(2, r.stdout.count(
                'carries the feature itself ([compute] share_local_fs)'))
            os.unlink(self.path('patch-tool.log'))

    def test_patched_tree_is_named_as_ours(self):
        self.nova_with_option(OPTION_AS_THE_SERIES_WRITES_IT)
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches')
        self.assertOK(r)
        self.assertIn('nova_patches are already applied', r.stdout)
        self.assertEqual(['check %s skip_base=unset' % self.nova_dir],
                         self.tool_calls())

    def test_an_unrelated_share_local_fs_mention_is_no_feature(self):
        self.nova_with_option("# share_local_fs is not here yet\n"
                              "x = 'share_local_fs'\n")
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches')
        self.assertOK(r)
        self.assertEqual('apply %s skip_base=False' % self.nova_dir,
                         self.tool_calls()[0])

    def test_failing_patch_names_commit_and_patch(self):
        os.makedirs(self.nova_dir)
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = \
            self.fake_patch_tool(apply_rc=1,
                                 apply_out='0003-request-filter.patch fails')
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches')
        self.assertDies(r, 'cannot apply nova_patches', self.nova_dir,
                        'nova commit unknown', '0003-request-filter.patch',
                        'does not carry the feature itself')
        self.assertEqual(['apply %s skip_base=False' % self.nova_dir],
                         self.tool_calls())

    def test_series_missing_after_apply(self):
        os.makedirs(self.nova_dir)
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = \
            self.fake_patch_tool(check_rc=1)
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches')
        self.assertDies(r, 'are not all applied', 'check output')

    def test_skip_base_check_reaches_the_tool(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_SKIP_NOVA_BASE_CHECK': 'yes'})
        self.assertOK(r)
        self.assertEqual('apply %s skip_base=True' % self.nova_dir,
                         self.tool_calls()[0])

    def test_disabled(self):
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_APPLY_NOVA_PATCHES': 'False'})
        self.assertOK(r)
        self.assertEqual([], self.tool_calls())

    def test_missing_tool(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL': '/nonexistent/tool'})
        self.assertDies(r, '/nonexistent/tool')

    def test_install_phase_patches_again(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('virtiofs_scaphandre_stack_install',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertEqual(2, len(self.tool_calls()))
        self.assertEqual([], r.called('install_package'))


class TestNovaConfig(base.DevstackPluginTestCase):

    def test_compute_and_scheduler_config(self):
        for _ in range(2):  # a second stack.sh changes nothing
            r = self.run_bash('virtiofs_scaphandre_stack_post_config')
            self.assertOK(r)
        conf = self.ini(self.nova_conf)
        mapping = json.loads(conf.get('compute', 'share_local_fs'))
        self.assertEqual({self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']:
                          'scaphandre'}, mapping)
        self.assertEqual(
            'ComputeFilter,ImagePropertiesFilter,NUMATopologyFilter',
            conf.get('filter_scheduler', 'enabled_filters'))
        self.assertTrue(os.path.isdir(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))
        self.assertEqual('True', conf.get('DEFAULT', 'debug'))

    def test_controller_without_compute_gets_no_share(self):
        r = self.run_bash('virtiofs_scaphandre_stack_post_config',
                          env={'ENABLED_SERVICES': 'n-api,n-sch'})
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertFalse(conf.has_option('compute', 'share_local_fs'))
        self.assertIn('NUMATopologyFilter',
                      conf.get('filter_scheduler', 'enabled_filters'))
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))

    def test_compute_subnode(self):
        r = self.run_bash('virtiofs_scaphandre_stack_post_config',
                          env={'ENABLED_SERVICES': 'n-cpu,placement-client'})
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertTrue(conf.has_option('compute', 'share_local_fs'))

    def test_no_filters_anywhere_dies(self):
        self.write(self.nova_conf, '[DEFAULT]\n')
        r = self.run_bash('virtiofs_scaphandre_configure_nova_numa_filter',
                          env={'NOVA_FILTERS': ''})
        self.assertDies(r, 'cannot add NUMATopologyFilter')
