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

"""devstack/plugin.sh and lib/virtiofs-scaphandre against the double."""

import json
import os

from tests.unit.devstack import base


class TestSettings(base.DevstackPluginTestCase):

    def test_defaults(self):
        env = dict(self.env)
        for k in list(env):
            if k.startswith('VIRTIOFS_SCAPHANDRE_'):
                del self.env[k]
        r = self.run_bash(
            'echo "$VIRTIOFS_SCAPHANDRE_HOST_DIR'
            '|$VIRTIOFS_SCAPHANDRE_MOUNT_TAG'
            '|$VIRTIOFS_SCAPHANDRE_READONLY_VIEW_DIR|$NOVA_FILTERS'
            '|$VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL"')
        self.assertOK(r)
        host_dir, tag, view, filters, tool = r.stdout.strip().split('|')
        self.assertEqual('/var/lib/libvirt/scaphandre', host_dir)
        self.assertEqual('scaphandre', tag)
        self.assertEqual('/opt/stack/data/nova/share_local_fs', view)
        self.assertEqual(
            'ComputeFilter,ImagePropertiesFilter,NUMATopologyFilter', filters)
        self.assertEqual(os.path.join(base.TOP_DIR, 'tools', 'nova-patches'),
                         tool)

    def test_settings_twice_adds_the_filter_once(self):
        r = self.run_bash('source %s/settings; echo "$NOVA_FILTERS"'
                          % base.DEVSTACK_DIR)
        self.assertEqual(1, r.stdout.count('NUMATopologyFilter'))

    def test_exporters_become_services(self):
        r = self.run_bash('echo "$ENABLED_SERVICES"', env={
            'VIRTIOFS_SCAPHANDRE_INSTALL_SCAPHANDRE': 'yes',
            'VIRTIOFS_SCAPHANDRE_FAKE_EXPORTER': 'True'})
        self.assertIn(',scaphandre-qemu,scaphandre-fake', r.stdout)
        r = self.run_bash('echo "$ENABLED_SERVICES"')
        self.assertNotIn('scaphandre-', r.stdout)


class TestSettingsValidation(base.DevstackPluginTestCase):

    def check(self, **env):
        return self.run_bash('check_virtiofs_scaphandre_settings', env=env)

    def test_defaults_are_valid(self):
        self.assertOK(self.check())

    def test_relative_dir(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_HOST_DIR='var/lib/x')
        self.assertDies(r, 'VIRTIOFS_SCAPHANDRE_HOST_DIR', "'var/lib/x'")

    def test_tag_too_long(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='t' * 37)
        self.assertDies(r, '37 bytes', 'at most 36')
        self.assertOK(self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='t' * 36))

    def test_tag_counts_bytes_not_characters(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='\u00e9' * 20)
        self.assertDies(r, '40 bytes')

    def test_empty_tag(self):
        # settings turns an empty value into the default; set it after.
        r = self.run_bash("VIRTIOFS_SCAPHANDRE_MOUNT_TAG=''; "
                          "check_virtiofs_scaphandre_settings")
        self.assertDies(r, 'VIRTIOFS_SCAPHANDRE_MOUNT_TAG must not be empty')

    def test_quote_in_tag(self):
        self.assertDies(self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='a"b'),
                        'quotes')

    def test_count_not_a_number(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT='1k')
        self.assertDies(r, "VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT", "'1k'")

    def test_same_flavor_names(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_CONTROL_FLAVOR='power-metrics')
        self.assertDies(r, 'must differ')


class TestNovaPatches(base.DevstackPluginTestCase):

    def tool_calls(self):
        p = self.path('patch-tool.log')
        return self.read(p).splitlines() if os.path.exists(p) else []

    def test_pre_install_clones_then_patches(self):
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre',
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
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertEqual([], r.called('git_clone'))
        self.assertEqual(2, len(self.tool_calls()))

    def test_failing_patch_names_commit_and_patch(self):
        os.makedirs(self.nova_dir)
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = \
            self.fake_patch_tool(apply_rc=1,
                                 apply_out='0003-request-filter.patch fails')
        r = self.run_bash('apply_nova_patches')
        self.assertDies(r, 'cannot apply nova_patches', self.nova_dir,
                        'nova commit unknown', '0003-request-filter.patch')
        self.assertEqual(['apply %s skip_base=False' % self.nova_dir],
                         self.tool_calls())

    def test_series_missing_after_apply(self):
        os.makedirs(self.nova_dir)
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = \
            self.fake_patch_tool(check_rc=1)
        r = self.run_bash('apply_nova_patches')
        self.assertDies(r, 'are not all applied', 'check output')
        self.assertEqual(['apply %s skip_base=False' % self.nova_dir,
                          'check %s skip_base=unset' % self.nova_dir],
                         self.tool_calls())

    def test_skip_base_check_reaches_the_tool(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_SKIP_NOVA_BASE_CHECK': 'yes'})
        self.assertOK(r)
        self.assertEqual('apply %s skip_base=True' % self.nova_dir,
                         self.tool_calls()[0])

    def test_disabled(self):
        r = self.run_bash('apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_APPLY_NOVA_PATCHES': 'False'})
        self.assertOK(r)
        self.assertEqual([], self.tool_calls())

    def test_missing_tool(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('apply_nova_patches', env={
            'VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL': '/nonexistent/tool'})
        self.assertDies(r, '/nonexistent/tool')

    def test_install_phase_patches_again(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('stack_install_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertEqual(2, len(self.tool_calls()))
        self.assertEqual([], r.called('install_package'))


class TestComputePreInstall(base.DevstackPluginTestCase):

    def test_hugepages_reserved_persisted_mounted(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT': '100'})
        self.assertOK(r)
        self.assertEqual('100', self.read(os.path.join(
            self.sysfs, 'hugepages-2048kB/nr_hugepages')).strip())
        sysctl = self.read(self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE'])
        self.assertIn('vm.nr_hugepages = 100\n', sysctl)
        self.assertEqual(1, len(r.called('mount')))

    def test_1g_pages_persist_through_tmpfiles(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGE_SIZE_KB': '1048576',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT': '2'})
        self.assertOK(r)
        tmpfiles = self.read(self.env['VIRTIOFS_SCAPHANDRE_TMPFILES_FILE'])
        self.assertIn('w %s/hugepages-1048576kB/nr_hugepages - - - - 2\n'
                      % self.sysfs, tmpfiles)
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))

    def test_no_persist(self):
        os.makedirs(self.nova_dir)
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGES_PERSIST': 'False'})
        self.assertOK(r)
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))

    def test_bad_settings_stop_before_anything(self):
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_MOUNT_TAG': 'x' * 40})
        self.assertDies(r, 'MOUNT_TAG')
        self.assertEqual([], r.called('git_clone'))
        self.assertEqual('0', self.read(os.path.join(
            self.sysfs, 'hugepages-2048kB/nr_hugepages')).strip())


class TestPostConfig(base.DevstackPluginTestCase):

    def test_compute_and_scheduler_config(self):
        for _ in range(2):  # a second stack.sh changes nothing
            r = self.run_bash('stack_post_config_virtiofs_scaphandre')
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
        r = self.run_bash('stack_post_config_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-api,n-sch'})
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertFalse(conf.has_option('compute', 'share_local_fs'))
        self.assertIn('NUMATopologyFilter',
                      conf.get('filter_scheduler', 'enabled_filters'))
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))

    def test_compute_subnode(self):
        r = self.run_bash('stack_post_config_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-cpu,placement-client'})
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertTrue(conf.has_option('compute', 'share_local_fs'))

    def test_apparmor_rules_for_virtiofsd_profile(self):
        profile = self.write(self.path('etc/apparmor.d/usr.libexec.virtiofsd'),
                             'profile virtiofsd {\n'
                             '  include if exists '
                             '<local/usr.libexec.virtiofsd>\n'
                             '}\n')
        enabled = self.write(self.path('apparmor-enabled'), 'Y\n')
        r = self.run_bash('label_share_host_dir_apparmor',
                          env={'VIRTIOFS_APPARMOR_ENABLED_FILE': enabled})
        self.assertOK(r)
        local_rules = self.path('etc/apparmor.d/local/usr.libexec.virtiofsd')
        text = self.read(local_rules)
        self.assertIn('%s/** r,' % self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'],
                      text)
        self.assertIn('/opt/stack/data/nova/share_local_fs/** r,', text)
        self.assertEqual([['-r', profile]], r.called('apparmor_parser'))
        r = self.run_bash('remove_apparmor_share_rules')
        self.assertOK(r)
        self.assertFalse(os.path.exists(local_rules))

    def test_apparmor_disabled_writes_nothing(self):
        self.write(self.path('etc/apparmor.d/usr.libexec.virtiofsd'), 'x\n')
        enabled = self.write(self.path('apparmor-enabled'), 'N\n')
        r = self.run_bash('label_share_host_dir_apparmor',
                          env={'VIRTIOFS_APPARMOR_ENABLED_FILE': enabled})
        self.assertOK(r)
        self.assertFalse(os.path.exists(
            self.path('etc/apparmor.d/local/usr.libexec.virtiofsd')))


class TestExtra(base.DevstackPluginTestCase):

    def flavor(self, name):
        return self.read(self.path('cloud/flavor/' + name)).split('\n')

    def test_flavors_and_image(self):
        os.makedirs(self.path('cloud/image'))
        self.write(self.path('cloud/image/cirros-0.6.3-x86_64-disk'), 'x\n')
        r = self.run_bash('stack_extra_virtiofs_scaphandre')
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
        # no exporter asked for
        self.assertEqual([], r.called('run_process'))
        # second run: properties set again, nothing created twice
        r = self.run_bash('stack_extra_virtiofs_scaphandre')
        self.assertOK(r)
        verbs = [c[c.index('flavor') + 1] for c in r.called('openstack')
                 if 'flavor' in c]
        self.assertNotIn('create', verbs)
        self.assertIn('set', verbs)

    def test_image_named_after_image_urls(self):
        self.write(self.path('cloud/image/cirros-0.6.3-x86_64-disk'), 'x\n')
        r = self.run_bash('create_power_metrics_image', env={
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
        r = self.run_bash('create_power_metrics_image', env={
            'DEFAULT_IMAGE_NAME': '',
            'IMAGE_URLS': 'file:///opt/images/ssh-guest-uec.tar.gz'})
        self.assertOK(r)
        copy = self.read(self.path('cloud/image/power-metrics-image'))
        args = copy.split('\n')
        self.assertEqual('ami', args[args.index('--container-format') + 1])
        self.assertEqual('ami', args[args.index('--disk-format') + 1])
        self.assertIn('kernel_id=K-1', args)
        self.assertIn('ramdisk_id=R-1', args)
        self.assertIn('hw_power_metrics=true', args)

    def test_no_default_image_warns(self):
        r = self.run_bash('stack_extra_virtiofs_scaphandre')
        self.assertOK(r)
        self.assertTrue(any('skipping the power-metrics image' in w[0]
                            for w in r.called('warn')), repr(r))

    def test_compute_only_node_creates_nothing(self):
        r = self.run_bash('stack_extra_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-cpu'})
        self.assertOK(r)
        self.assertEqual([], r.called('openstack'))

    def test_scaphandre_without_package_is_skipped(self):
        r = self.run_bash('stack_extra_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_INSTALL_SCAPHANDRE': 'True',
            'DISTRO': 'bookworm'})
        self.assertOK(r)
        self.assertEqual([], r.called('run_process'))
        self.assertTrue(any('skipped the Scaphandre qemu exporter' in w[0]
                            and 'bookworm' in w[0]
                            for w in r.called('warn')), repr(r))

    def test_scaphandre_from_the_distro(self):
        r = self.run_bash(
            'function command { if [[ $2 == scaphandre ]]; then '
            'echo /usr/bin/scaphandre; else builtin command "$@"; fi; }\n'
            'stack_extra_virtiofs_scaphandre', env={
                'ENABLED_SERVICES': 'n-cpu',
                'VIRTIOFS_SCAPHANDRE_INSTALL_SCAPHANDRE': 'True',
                'VIRTIOFS_SCAPHANDRE_HOST_DIR': '/var/lib/libvirt/scaphandre',
                'FAKE_APT_SHOW': '1'})
        self.assertOK(r)
        self.assertEqual([['scaphandre']], r.called('install_package'))
        self.assertEqual([['scaphandre-qemu', '/usr/bin/scaphandre qemu', '',
                           'root']], r.called('run_process'))
        self.assertEqual([], r.called('warn'))

    def test_fake_exporter(self):
        r = self.run_bash('stack_extra_virtiofs_scaphandre', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_FAKE_EXPORTER': 'True'})
        self.assertOK(r)
        calls = r.called('run_process')
        self.assertEqual(1, len(calls))
        self.assertEqual('scaphandre-fake', calls[0][0])
        self.assertEqual(
            '%s/devstack/files/fake-scaphandre-exporter %s' % (
                base.TOP_DIR, self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']),
            calls[0][1])


class TestTestConfig(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestTestConfig, self).setUp()
        for kind, name in (('flavor', 'power-metrics'),
                           ('flavor', 'power-metrics-control'),
                           ('image', 'power-metrics-image')):
            self.write(self.path('cloud/%s/%s' % (kind, name)), 'x\n')

    def test_tempest_options(self):
        r = self.run_bash('stack_test_config_virtiofs_scaphandre', env={
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
            'compute_nodes': '2',
        }, g)
        self.assertEqual([['TEMPEST_PLUGINS=%s' % base.TOP_DIR]],
                         r.called('install_tempest_plugins'))

    def test_power_metrics_image_never_tempest_default_image(self):
        # devstack's configure_tempest picked the first image by name.
        self.write(self.path('cloud/image/ssh-guest-uec'), 'x\n')
        self.write(self.tempest_conf,
                   '[compute]\nimage_ref = id-image-power-metrics-image\n'
                   'image_ref_alt = id-image-power-metrics-image\n')
        r = self.run_bash('stack_test_config_virtiofs_scaphandre', env={
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
        r = self.run_bash('stack_test_config_virtiofs_scaphandre', env={
            'DEFAULT_IMAGE_NAME': 'cirros'})
        self.assertOK(r)
        self.assertEqual('id-x', self.ini(self.tempest_conf).get(
            'compute', 'image_ref'))

    def test_plugin_already_in_tempest_plugins(self):
        r = self.run_bash('stack_test_config_virtiofs_scaphandre', env={
            'TEMPEST_PLUGINS':
                '/opt/stack/whitebox /opt/stack/virtiofs-scaphandre'})
        self.assertOK(r)
        self.assertEqual([], r.called('install_tempest_plugins'))

    def test_missing_flavor_dies(self):
        os.unlink(self.path('cloud/flavor/power-metrics'))
        r = self.run_bash('stack_test_config_virtiofs_scaphandre')
        self.assertDies(r, 'power-metrics', 'not found for tempest')

    def test_no_tempest_no_config(self):
        r = self.run_bash('stack_test_config_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertFalse(self.ini(self.tempest_conf).has_section(
            'virtiofs_scaphandre'))


class TestUnstackClean(base.DevstackPluginTestCase):

    def test_unstack_and_clean_undo_the_plugin(self):
        os.makedirs(self.nova_dir)
        self.write(os.path.join(self.sysfs, 'hugepages-2048kB/nr_hugepages'),
                   '7\n')
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre; '
                          'stack_post_config_virtiofs_scaphandre')
        self.assertOK(r)
        self.write(self.env['NOVA_CPU_CONF'], self.read(self.nova_conf))
        user_file = os.path.join(self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'],
                                 'instance-00000001', 'energy_uj')
        self.write(user_file, '42')
        r = self.run_bash('source %s/plugin.sh unstack' % base.DEVSTACK_DIR)
        self.assertOK(r)
        self.assertEqual('7', self.read(os.path.join(
            self.sysfs, 'hugepages-2048kB/nr_hugepages')).strip())
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))
        self.assertIn(['scaphandre-fake'], r.called('stop_process'))
        r = self.run_bash('source %s/plugin.sh clean' % base.DEVSTACK_DIR)
        self.assertOK(r)
        for conf in (self.nova_conf, self.env['NOVA_CPU_CONF']):
            c = self.ini(conf)
            self.assertFalse(c.has_option('compute', 'share_local_fs'))
            self.assertTrue(c.has_option('DEFAULT', 'debug'))
        # data in the host directory stays
        self.assertEqual('42', self.read(user_file))

    def test_clean_removes_what_it_extracted_only(self):
        binary = self.env['VIRTIOFS_EXTRACTED_VIRTIOFSD']
        desc_text = json.dumps({'type': 'fs', 'binary': binary})
        ours = self.write(
            self.path('etc/qemu/vhost-user/50-qemu-virtiofsd.json'),
            desc_text)
        packaged = self.write(
            self.path('usr/share/qemu/vhost-user/50-qemu-virtiofsd.json'),
            desc_text)
        self.write(binary, '#!/bin/sh\n', mode=0o755)
        r = self.run_bash('clean_virtiofs_scaphandre')
        self.assertOK(r)
        self.assertFalse(os.path.exists(ours))
        self.assertFalse(os.path.exists(binary))
        self.assertTrue(os.path.exists(packaged))
        # Owned by a package: both stay.
        self.write(ours, desc_text)
        self.write(binary, '#!/bin/sh\n', mode=0o755)
        r = self.run_bash('clean_virtiofs_scaphandre',
                          env={'FAKE_DPKG_OWNS': '%s %s' % (ours, binary)})
        self.assertOK(r)
        self.assertTrue(os.path.exists(ours))
        self.assertTrue(os.path.exists(binary))

    def test_clean_removes_an_empty_host_dir(self):
        r = self.run_bash('create_share_host_dir; clean_virtiofs_scaphandre')
        self.assertOK(r)
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))


class TestDispatch(base.DevstackPluginTestCase):

    def test_each_phase_calls_its_function(self):
        phases = {
            'stack pre-install': 'stack_pre_install_virtiofs_scaphandre',
            'stack install': 'stack_install_virtiofs_scaphandre',
            'stack post-config': 'stack_post_config_virtiofs_scaphandre',
            'stack extra': 'stack_extra_virtiofs_scaphandre',
            'stack test-config': 'stack_test_config_virtiofs_scaphandre',
            'unstack': 'unstack_virtiofs_scaphandre',
            'clean': 'clean_virtiofs_scaphandre',
        }
        # Replace every phase function after plugin.sh sourced the libs.
        script = (
            'function source_plugin { source %s/plugin.sh "$@"; }\n'
            'function _stub_phases {\n' % base.DEVSTACK_DIR)
        for fn in phases.values():
            script += '  function %s { _fake_record phase %s; }\n' % (fn, fn)
        script += '}\n'
        for args in phases:
            script += ('source() { builtin source "$@"; '
                       '[[ $1 == */lib/virtiofs-scaphandre ]] && _stub_phases;'
                       ' return 0; }\n'
                       'source_plugin %s\nunset -f source\n' % args)
        script += 'source_plugin stack unknown-phase\n'
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertEqual([[fn] for fn in phases.values()], r.called('phase'))
