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

"""devstack/lib/compute-host, and unstack/clean in their order."""

import os

from tests.unit.devstack import base

VIEWS = '/opt/stack/data/nova/share_local_fs'


def mountinfo_line(number, parent, mountpoint, fstype='ext4'):
    return '%d %d 8:1 /x %s ro,relatime shared:1 - %s /dev/sda1 ro\n' % (
        number, parent, mountpoint.replace(' ', '\\040'), fstype)


class TestComputePreInstall(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestComputePreInstall, self).setUp()
        os.makedirs(self.nova_dir)

    def nr(self, size=2048):
        return self.read(os.path.join(
            self.sysfs, 'hugepages-%dkB' % size, 'nr_hugepages')).strip()

    def test_hugepages_reserved_persisted_mounted(self):
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT': '100'})
        self.assertOK(r)
        self.assertEqual('100', self.nr())
        sysctl = self.read(self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE'])
        self.assertIn('vm.nr_hugepages = 100\n', sysctl)
        self.assertEqual(1, len(r.called('mount')))

    def test_1g_pages_persist_through_tmpfiles(self):
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install', env={
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
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_HUGEPAGES_PERSIST': 'False'})
        self.assertOK(r)
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))

    def test_bad_settings_stop_before_anything(self):
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install', env={
            'ENABLED_SERVICES': 'n-cpu',
            'VIRTIOFS_SCAPHANDRE_MOUNT_TAG': 'x' * 40})
        self.assertDies(r, 'MOUNT_TAG')
        self.assertEqual([], r.called('git_clone'))
        self.assertEqual('0', self.nr())


class TestAppArmorForTheHostDir(base.DevstackPluginTestCase):

    def test_rules_for_a_virtiofsd_profile_then_removed(self):
        profile = self.write(self.path('etc/apparmor.d/usr.libexec.virtiofsd'),
                             'profile virtiofsd {\n  include if exists '
                             '<local/usr.libexec.virtiofsd>\n}\n')
        self.write(self.env['VIRTIOFS_SCAPHANDRE_APPARMOR_ENABLED_FILE'],
                   'Y\n')
        r = self.run_bash('virtiofs_scaphandre_create_host_dir')
        self.assertOK(r)
        local_rules = self.path('etc/apparmor.d/local/usr.libexec.virtiofsd')
        text = self.read(local_rules)
        self.assertIn('%s/** r,' % self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'],
                      text)
        self.assertIn('%s/** r,' % VIEWS, text)
        self.assertEqual([['-r', profile]], r.called('apparmor_parser'))
        r = self.run_bash('virtiofs_scaphandre_forget_host_dir')
        self.assertOK(r)
        self.assertNotIn('share_local_fs', self.read(local_rules))
        self.assertEqual([['-r', profile]], r.called('apparmor_parser'))
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))


class TestViews(base.DevstackPluginTestCase):

    def test_views_unmounted_children_first_busy_ones_detached(self):
        busy = VIEWS + '/instance-00000002/scaphandre'
        self.write(self.mountinfo, ''.join([
            mountinfo_line(22, 1, '/'),
            mountinfo_line(30, 22, VIEWS, 'tmpfs'),
            mountinfo_line(31, 30, VIEWS + '/instance-00000001/scaphandre'),
            mountinfo_line(32, 30, busy),
            mountinfo_line(33, 22, '/opt/stack/data/nova/instances'),
            mountinfo_line(34, 30, VIEWS + '/instance 3/scaphandre')]))
        r = self.run_bash('virtiofs_scaphandre_unmount_views',
                          env={'FAKE_UMOUNT_BUSY': busy})
        self.assertOK(r)
        self.assertEqual([
            [VIEWS + '/instance 3/scaphandre'],
            [busy], ['--lazy', busy],
            [VIEWS + '/instance-00000001/scaphandre'],
            [VIEWS]], r.called('umount'))
        self.assertIn('detached %s' % busy, r.stdout)

    def test_nothing_mounted_nothing_done(self):
        r = self.run_bash('virtiofs_scaphandre_unmount_views')
        self.assertOK(r)
        self.assertEqual([], r.called('umount'))


class TestUnstackAndClean(base.DevstackPluginTestCase):
    """unstack runs before devstack stops nova; clean after unstack.sh."""

    def setUp(self):
        super(TestUnstackAndClean, self).setUp()
        os.makedirs(self.nova_dir)
        self.pool_dir = os.path.join(self.sysfs, 'hugepages-2048kB')
        self.write(os.path.join(self.pool_dir, 'nr_hugepages'), '7\n')
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install; '
                          'virtiofs_scaphandre_stack_post_config')
        self.assertOK(r)
        self.hugetlbfs = self.path('dev/hugepages')
        self.assertEqual([['-t', 'hugetlbfs', '-o', 'pagesize=2048K',
                           'hugetlbfs', self.hugetlbfs]], r.called('mount'))
        self.write(self.mounts, 'hugetlbfs %s hugetlbfs rw,pagesize=2M 0 0\n'
                   % self.hugetlbfs)
        self.view = VIEWS + '/instance-00000001/scaphandre'
        self.write(self.mountinfo, mountinfo_line(40, 1, self.view))
        self.write(self.env['NOVA_CPU_CONF'], self.read(self.nova_conf))

    def guests_hold(self, pages):
        self.write(os.path.join(self.pool_dir, 'free_hugepages'),
                   '%d\n' % (512 - pages))

    def plugin(self, mode, **env):
        return self.run_bash('source %s/plugin.sh %s' % (base.DEVSTACK_DIR,
                                                         mode), env=env)

    def nr(self):
        return self.read(os.path.join(self.pool_dir, 'nr_hugepages')).strip()

    def test_unstack_with_running_guests_leaves_their_pages(self):
        self.guests_hold(128)
        r = self.plugin('unstack', FAKE_UMOUNT_BUSY=self.view)
        self.assertOK(r)
        self.assertEqual([['scaphandre-exporter']], r.called('stop_process'))
        # The view is detached before devstack removes nova's state path;
        # the guests' memory (pool and hugetlbfs) stays for clean.
        self.assertEqual([[self.view], ['--lazy', self.view]],
                         r.called('umount'))
        self.assertEqual('512', self.nr())
        self.assertIn('128 x 2048 kB still held by running guests', r.stdout)
        # devstack stops nova and its guests; then clean.sh.
        self.guests_hold(0)
        self.write(self.mountinfo, '')
        r = self.plugin('clean')
        self.assertOK(r)
        self.assertEqual([[self.hugetlbfs]], r.called('umount'))
        self.assertEqual('7', self.nr())
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))
        for conf in (self.nova_conf, self.env['NOVA_CPU_CONF']):
            c = self.ini(conf)
            self.assertFalse(c.has_option('compute', 'share_local_fs'))
            self.assertTrue(c.has_option('DEFAULT', 'debug'))

    def test_unstack_without_guests_gives_everything_back(self):
        self.guests_hold(0)
        r = self.plugin('unstack')
        self.assertOK(r)
        # The view first, then hugetlbfs, then the pool.
        self.assertEqual([[self.view], [self.hugetlbfs]], r.called('umount'))
        self.assertEqual('7', self.nr())
        # The persistent reservation is configuration: clean removes it.
        self.assertTrue(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']))
        r = self.plugin('clean')
        self.assertOK(r)
        self.assertEqual('7', self.nr())
        self.assertIn('reserved no pages and mounted no hugetlbfs', r.stdout)

    def test_clean_keeps_what_the_host_directory_holds(self):
        user_file = os.path.join(self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'],
                                 'instance-00000001', 'energy_uj')
        self.write(user_file, '42')
        r = self.plugin('clean')
        self.assertOK(r)
        self.assertEqual('42', self.read(user_file))

    def test_clean_removes_an_empty_host_dir(self):
        r = self.plugin('clean')
        self.assertOK(r)
        self.assertFalse(os.path.exists(
            self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']))

    def test_controller_without_compute_touches_no_host_state(self):
        self.guests_hold(0)
        r = self.plugin('unstack', ENABLED_SERVICES='n-api,n-sch')
        self.assertOK(r)
        self.assertEqual([], r.called('umount'))
        self.assertEqual('512', self.nr())
