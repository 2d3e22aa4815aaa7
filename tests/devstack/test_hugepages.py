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

"""Hugepages and hugetlbfs in this host's kernel (hold the hyp lock)."""

import os
import re

from tests.devstack import base

HUGEPAGES_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB'
TOOL = os.path.join(base.TOP_DIR, 'tools', 'hugepages')


class TestHugepages(base.RealHostTestCase):

    def setUp(self):
        super(TestHugepages, self).setUp()
        self.assertTrue(os.access(os.path.join(HUGEPAGES_2M, 'nr_hugepages'),
                                  os.W_OK),
                        'this kernel has no writable 2 MiB hugepage pool')
        self.before = self.nr()
        # Whatever happens, leave the pool as found.
        self.addCleanup(self.restore, self.before)

    def nr(self):
        with open(os.path.join(HUGEPAGES_2M, 'nr_hugepages')) as f:
            return int(f.read())

    def restore(self, value):
        # Only undo our own reservation: others may share this kernel.
        if self.nr() == value + 16:
            with open(os.path.join(HUGEPAGES_2M, 'nr_hugepages'), 'w') as f:
                f.write('%d\n' % value)

    def test_reserve_persist_release(self):
        want = self.before + 16
        script = ('virtiofs_scaphandre_hugepages_reserve 2048 %d devstack && '
                  '_virtiofs_scaphandre_persist_hugepages 2048' % want)
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertEqual(want, self.nr())
        total = re.search(r'^HugePages_Total:\s+(\d+)$',
                          self.read('/proc/meminfo'), re.M).group(1)
        self.assertEqual(want, int(total))
        sysctl = self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']
        self.assertIn('vm.nr_hugepages = %d\n' % want, self.read(sysctl))
        # The persisted file is one sysctl accepts (same value: no change).
        out = self.run_cmd('sysctl', '-p', sysctl)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(want, self.nr())
        # Second stack.sh: nothing changes, the record stays 16.
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertIn('already reserved', r.stdout)
        r = self.run_bash('virtiofs_scaphandre_hugepages_release 2048 '
                          'devstack && '
                          'virtiofs_scaphandre_unpersist_hugepages')
        self.assertOK(r)
        self.assertEqual(self.before, self.nr())
        self.assertFalse(os.path.exists(sysctl))

    def test_command_adds_and_gives_back_its_own_share(self):
        env = dict(os.environ, VIRTIOFS_SCAPHANDRE_STATE_DIR=self.path('s'))
        out = self.run_cmd(TOOL, 'add', '2048', '16', '--owner', 'test',
                           env=env)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(self.before + 16, self.nr())
        out = self.run_cmd(TOOL, 'held', '2048', env=env)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertLessEqual(int(out.stdout), self.nr())
        out = self.run_cmd(TOOL, 'release', '2048', '--owner', 'test',
                           env=env)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(self.before, self.nr())

    def test_memory_not_there(self):
        r = self.run_bash('virtiofs_scaphandre_hugepages_reserve 2048 '
                          '10000000 devstack')
        self.assertDies(r, '10000000 x 2048 kB', 'memory is available')
        self.assertEqual(self.before, self.nr())


class TestHugetlbfs(base.RealHostTestCase):

    def mounted(self, where):
        with open('/proc/mounts') as f:
            return [line.split() for line in f
                    if line.split()[1] == where]

    def test_mount_then_unmount_a_1g_hugetlbfs(self):
        self.assertTrue(os.path.isdir(
            '/sys/kernel/mm/hugepages/hugepages-1048576kB'),
            'no 1 GiB pages in this kernel')
        target = self.path('hp') + '-1048576kB'
        env = {'VIRTIOFS_SCAPHANDRE_HUGETLBFS_DIR': self.path('hp')}
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 1048576 "" '
                          'test', env=env)
        self.assertOK(r)
        if 'already mounted' in r.stdout:
            # Someone else's 1 GiB mount: ours is never made nor removed.
            r = self.run_bash('virtiofs_scaphandre_hugetlbfs_unmount test')
            self.assertEqual([], r.called('umount'))
            return
        self.addCleanup(self.run_cmd, 'umount', target)
        mounts = self.mounted(target)
        self.assertEqual(1, len(mounts), r.stdout)
        self.assertEqual('hugetlbfs', mounts[0][2])
        self.assertIn('pagesize=1024M', mounts[0][3])
        # Mounted now: the second run leaves it.
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_mount 1048576 "" '
                          'test', env=env)
        self.assertIn('already mounted on %s' % target, r.stdout)
        self.assertEqual(1, len(self.mounted(target)))
        r = self.run_bash('virtiofs_scaphandre_hugetlbfs_unmount test')
        self.assertOK(r)
        self.assertEqual([], self.mounted(target))
