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

"""devstack/lib/hugepages and tools/hugepages on a scratch sysfs."""

import os
import subprocess

from tests.unit.devstack import base

HUGEPAGES_TOOL = os.path.join(base.TOP_DIR, 'tools', 'hugepages')


class HugepagesTestCase(base.DevstackPluginTestCase):

    def pool(self, size=2048, name='nr_hugepages'):
        return self.read(os.path.join(
            self.sysfs, 'hugepages-%dkB' % size, name)).strip()

    def set_pool(self, total, free=None, size=2048):
        d = os.path.join(self.sysfs, 'hugepages-%dkB' % size)
        self.write(os.path.join(d, 'nr_hugepages'), '%s\n' % total)
        self.write(os.path.join(d, 'free_hugepages'),
                   '%s\n' % (total if free is None else free))

    def added(self, owner, size=2048):
        path = self.path('var/lib/virtiofs-scaphandre/hugepages-%dkB.%s.added'
                         % (size, owner))
        return self.read(path).strip() if os.path.exists(path) else None


class TestReserveAndRelease(HugepagesTestCase):

    def test_reserve_then_release_gives_back_what_was_added(self):
        self.set_pool(3)
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 64 a')
        self.assertOK(r)
        self.assertEqual('64', self.pool())
        self.assertEqual('61', self.added('a'))
        # Asking for more adds to the record; asking again changes nothing.
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 128 a'
                          ' && virtiofs_scaphandre_hugepages_reserve 2048 '
                          '100 a')
        self.assertOK(r)
        self.assertIn('already reserved', r.stdout)
        self.assertEqual('128', self.pool())
        self.assertEqual('125', self.added('a'))
        r = self.run_bash('virtiofs_scaphandre_hugepages_release 2048 a')
        self.assertOK(r)
        self.assertEqual('3', self.pool())
        self.assertIsNone(self.added('a'))
        r = self.run_bash('virtiofs_scaphandre_hugepages_release 2048 a')
        self.assertOK(r)
        self.assertIn('a reserved no 2048 kB pages', r.stdout)
        self.assertEqual('3', self.pool())

    def test_owners_keep_each_others_pages(self):
        # The local cloud adds its share; devstack and the e2e check
        # reserve at least what they need; each gives back its own only.
        self.set_pool(10)
        r = self.run_bash(
            'virtiofs_scaphandre_hugepages_add 2048 100 cloud && '
            'virtiofs_scaphandre_hugepages_reserve 2048 150 devstack && '
            'virtiofs_scaphandre_hugepages_release 2048 cloud')
        self.assertOK(r)
        self.assertEqual('50', self.pool())
        self.assertEqual('40', self.added('devstack'))
        r = self.run_bash('virtiofs_scaphandre_hugepages_release 2048 '
                          'devstack')
        self.assertOK(r)
        self.assertEqual('10', self.pool())

    def test_larger_existing_pool_is_left_alone(self):
        self.set_pool(1000)
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 64 a; '
                          'virtiofs_scaphandre_hugepages_release 2048 a')
        self.assertOK(r)
        self.assertEqual('1000', self.pool())
        self.assertIsNone(self.added('a'))

    def test_release_while_guests_hold_pages_says_so(self):
        self.set_pool(0)
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 64 a')
        self.assertOK(r)
        self.set_pool(64, free=14)
        r = self.run_bash('virtiofs_scaphandre_hugepages_held 2048; '
                          'virtiofs_scaphandre_hugepages_release 2048 a')
        self.assertOK(r)
        self.assertEqual('50', r.stdout.splitlines()[0])
        self.assertIn('50 still held by guests', r.stdout)
        self.assertEqual('0', self.pool())

    def test_not_enough_memory_dies_before_touching(self):
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 20000 a')
        self.assertDies(r, '20000 x 2048 kB', '40960000 kB',
                        '20000000 kB of memory is available')
        self.assertEqual('0', self.pool())
        self.assertIsNone(self.added('a'))

    def test_kernel_giving_fewer_pages_dies_and_restores(self):
        f = os.path.join(self.sysfs, 'hugepages-2048kB', 'nr_hugepages')
        os.unlink(f)
        os.symlink('/dev/null', f)  # writes vanish, reads give nothing
        r = self.run_bash('virtiofs_scaphandre_hugepages_add 2048 8 a')
        self.assertDies(r, 'could reserve only 0')
        self.assertIsNone(self.added('a'))

    def test_read_only_pool_names_the_way_out(self):
        f = os.path.join(self.sysfs, 'hugepages-2048kB', 'nr_hugepages')
        r = self.run_bash('chmod 0444 %s; function tee { return 1; }; '
                          'virtiofs_scaphandre_hugepages_reserve 2048 8 a'
                          % f)
        self.assertDies(r, 'cannot write', 'container?', 'holds 0 pages',
                        '8 needed')

    def test_unknown_size_lists_the_sizes(self):
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 4096 8 a')
        self.assertDies(r, 'no 4096 kB hugepages', '2048kB', '1048576kB')

    def test_bad_numbers_and_owners(self):
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 lots a')
        self.assertDies(r, "page count must be a whole number, got 'lots'")
        r = self.run_bash('virtiofs_scaphandre_hugepages_add 2048 1 ../x')
        self.assertDies(r, "owner must be a name", "'../x'")
        self.assertFalse(os.path.exists(self.path('var/lib/x.added')))


class TestHugetlbfs(HugepagesTestCase):

    def test_mount_when_missing_and_unmount_by_owner(self):
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 2048 "" a')
        self.assertOK(r)
        target = self.path('dev/hugepages')
        self.assertEqual(
            [['-t', 'hugetlbfs', '-o', 'pagesize=2048K', 'hugetlbfs',
              target]], r.called('mount'))
        self.write(self.mounts, 'hugetlbfs %s hugetlbfs rw,pagesize=2M 0 0\n'
                   % target)
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_unmount b; '
                          'virtiofs_scaphandre_hugetlbfs_unmount a')
        self.assertOK(r)
        self.assertEqual([[target]], r.called('umount'))

    def test_busy_mount_stays_recorded(self):
        target = self.path('dev/hugepages')
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 2048 "" a')
        self.write(self.mounts, 'hugetlbfs %s hugetlbfs rw,pagesize=2M 0 0\n'
                   % target)
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_unmount a',
                          env={'FAKE_UMOUNT_BUSY': target})
        self.assertOK(r)
        self.assertIn('still in use', r.called('warn')[0][0])
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_unmount a')
        self.assertEqual([[target]], r.called('umount'))

    def test_existing_mount_is_used_and_never_unmounted(self):
        self.write(self.mounts, 'hugetlbfs /dev/hugepages hugetlbfs '
                   'rw,relatime,pagesize=2M 0 0\n')
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 2048 "" a && '
                          'virtiofs_scaphandre_hugetlbfs_unmount a')
        self.assertOK(r)
        self.assertEqual([], r.called('mount'))
        self.assertEqual([], r.called('umount'))

    def test_1g_mount_beside_a_2m_mount(self):
        self.write(self.mounts, 'hugetlbfs /dev/hugepages hugetlbfs '
                   'rw,relatime,pagesize=2M 0 0\n')
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 1048576')
        self.assertOK(r)
        self.assertEqual(
            [['-t', 'hugetlbfs', '-o', 'pagesize=1048576K', 'hugetlbfs',
              self.path('dev/hugepages') + '-1048576kB']], r.called('mount'))
        self.write(self.mounts, 'hugetlbfs /dev/hugepages1G hugetlbfs '
                   'rw,relatime,pagesize=1024M 0 0\n')
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mountpoint 1048576')
        self.assertEqual('/dev/hugepages1G', r.stdout.strip())


class TestHugepagesCommand(HugepagesTestCase):
    """tools/hugepages: what the playbooks and the local cloud run."""

    def tool(self, *args):
        env = {k: v for k, v in self.env.items()
               if k.startswith('VIRTIOFS_SCAPHANDRE_')}
        env.update(PATH=os.environ['PATH'],
                   DEVSTACK_SHIM_OS_RELEASE=self.write(
                       self.path('etc/os-release'), 'ID=debian\n'))
        return subprocess.run([HUGEPAGES_TOOL] + list(args), env=env,
                              capture_output=True, text=True, timeout=60)

    def test_add_then_release_with_a_state_dir(self):
        self.set_pool(6)
        state = self.path('cloud-state')
        out = self.tool('add', '2048', '20', '--owner', 'local-devstack',
                        '--state-dir', state)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual('26', self.pool())
        self.assertTrue(os.path.exists(os.path.join(
            state, 'hugepages-2048kB.local-devstack.added')))
        out = self.tool('release', '2048', '--owner', 'local-devstack',
                        '--state-dir', state)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual('6', self.pool())

    def test_reserve_reports_nothing_changed(self):
        self.set_pool(600)
        out = self.tool('reserve', '2048', '512', '--owner', 'devstack')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('already reserved', out.stdout)

    def test_failure_is_status_1_with_the_reason(self):
        out = self.tool('reserve', '1234', '4', '--owner', 'devstack')
        self.assertEqual(1, out.returncode)
        self.assertIn('this kernel has no 1234 kB hugepages', out.stderr)

    def test_usage_errors_are_status_2(self):
        for args in ([], ['reserve', '2048', '4'], ['frobnicate'],
                     ['held'], ['release', '2048', '--bogus']):
            out = self.tool(*args)
            self.assertEqual(2, out.returncode, args)
