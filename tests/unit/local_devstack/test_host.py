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

import collections
import os

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import hugepages
from virtiofs_scaphandre.local_devstack import runner as runner_mod
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

ADDRS = ('1: lo    inet 127.0.0.1/8 scope host lo\n'
         '2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\n')


class HugepagesRunner(base.FakeRunner):
    """Records host commands; runs tools/hugepages for real."""

    def run(self, argv, **kwargs):
        if argv[0] == hugepages.TOOL:
            self.commands.append(list(argv))
            return runner_mod.Runner.run(self, argv, **kwargs)
        return super(HugepagesRunner, self).run(argv, **kwargs)


class HostFixture(base.TestCase):

    def setUp(self):
        super(HostFixture, self).setUp()
        self.proc = os.path.join(self.tmp, 'proc')
        self.sys = os.path.join(self.tmp, 'sys')
        self.forward = self.write(os.path.join(
            self.proc, 'sys', 'net', 'ipv4', 'ip_forward'), '0\n')
        self.nr = self.write(os.path.join(
            self.sys, 'kernel', 'mm', 'hugepages', 'hugepages-2048kB',
            'nr_hugepages'), '128\n')
        self.write(os.path.join(os.path.dirname(self.nr), 'free_hugepages'),
                   '128\n')
        self.meminfo = self.write(os.path.join(self.proc, 'meminfo'),
                                  'MemAvailable:   8000000 kB\n')
        self.runner = HugepagesRunner({
            ('ip', 'link', 'show'): (1, ''),
            ('ip', '-4', '-o', 'addr'): (0, ADDRS),
            ('iptables', '-S', 'FORWARD'): (0, '-P FORWARD ACCEPT\n'),
            ('mountpoint',): (0, ''),
        })

    def changes(self, **overrides):
        return host.HostChanges(self.settings(**overrides), self.runner,
                                proc_root=self.proc, sys_root=self.sys)

    def read(self, path):
        with open(path) as f:
            return f.read().strip()


class TestApplyAndUndo(HostFixture):

    def test_apply_then_undo_restores_the_host(self):
        changes = self.changes(hugepages=64)
        changes.apply_all()
        self.assertEqual('1', self.read(self.forward))
        self.assertEqual('192', self.read(self.nr))
        self.assertEqual(
            ['bridge', 'sysctl', 'iptables', 'hugepages', 'mount'],
            [e['kind'] for e in changes.entries()])
        self.assertEqual(1, len(self.runner.ran('iptables', '-t', 'nat',
                                                '-A')))
        self.assertEqual(1, len(self.runner.ran('mount', '-t',
                                                'hugetlbfs')))
        self.assertEqual([['ethtool', '-K', 'ldsbr0', 'tx', 'off']],
                         self.runner.ran('ethtool'))
        # The bridge exists now; iptables -C finds the rule.
        self.runner.responses[('ip', 'link', 'show')] = (0, '')
        changes.undo_all()
        self.assertEqual('0', self.read(self.forward))
        self.assertEqual('128', self.read(self.nr))
        self.assertEqual([['ip', 'link', 'del', 'ldsbr0']],
                         self.runner.ran('ip', 'link', 'del'))
        self.assertEqual(1, len(self.runner.ran('iptables', '-t', 'nat',
                                                '-D')))
        self.assertEqual(1, len(self.runner.ran('umount')))
        self.assertFalse(os.path.exists(changes.journal_path))

    def test_undo_keeps_what_others_changed_meanwhile(self):
        changes = self.changes(hugepages=64)
        changes.apply_all()
        # Someone else reserved 10 more pages and reset ip_forward.
        self.write(self.nr, '202\n')
        self.write(self.forward, '0\n')
        changes.undo_all()
        self.assertEqual('138', self.read(self.nr))
        self.assertEqual('0', self.read(self.forward))

    def test_ip_forward_already_on_is_not_recorded(self):
        self.write(self.forward, '1\n')
        changes = self.changes(hugepages=0)
        changes.apply_all()
        kinds = collections.Counter(e['kind'] for e in changes.entries())
        self.assertEqual(0, kinds['sysctl'])
        self.assertEqual(0, kinds['hugepages'])
        self.assertEqual(0, kinds['mount'])

    def test_forward_drop_policy_gets_accept_rules(self):
        self.runner.responses[('iptables', '-S', 'FORWARD')] = (
            0, '-P FORWARD DROP\n')
        changes = self.changes(hugepages=0)
        changes.apply_all()
        self.assertEqual(2, len(self.runner.ran('iptables', '-I')))

    def test_hugepages_go_through_the_shared_implementation(self):
        changes = self.changes(hugepages=64)
        changes.add_hugepages()
        state = self.settings().state_dir
        self.assertEqual([[hugepages.TOOL, 'add', '2048', '64', '--owner',
                           'local-devstack', '--state-dir', state]],
                         self.runner.ran(hugepages.TOOL))
        self.assertEqual(64, changes.hugepages.added())
        changes.undo_all()
        self.assertEqual([hugepages.TOOL, 'release', '2048', '--owner',
                          'local-devstack', '--state-dir', state],
                         self.runner.ran(hugepages.TOOL)[-1])
        self.assertEqual(0, changes.hugepages.added())

    def test_a_pool_the_memory_cannot_hold_is_refused_and_undone(self):
        self.write(self.meminfo, 'MemAvailable:   100000 kB\n')
        changes = self.changes(hugepages=64)
        e = self.assertRaises(LocalDevstackError, changes.add_hugepages)
        self.assertIn('only 100000 kB of memory is available', str(e))
        changes.undo_all()
        self.assertEqual('128', self.read(self.nr))

    def test_a_journal_of_an_earlier_version_gives_back_its_pages(self):
        # It recorded the count in the journal and no owner record.
        changes = self.changes(hugepages=64)
        self.write(self.nr, '192\n')
        changes._record({'kind': 'hugepages', 'path': self.nr, 'added': 64})
        changes.undo_all()
        self.assertEqual('128', self.read(self.nr))

    def test_pages_taken_by_another_user_are_put_back(self):
        changes = self.changes(hugepages=512)
        changes.add_hugepages()
        self.assertEqual('640', self.read(self.nr))
        # Another tool set the pool to an absolute count it remembered.
        self.write(self.nr, '0\n')
        changes.ensure_hugepages()
        self.assertEqual('512', self.read(self.nr))
        self.assertIn('pool is 0, below the 512 pages', self.runner.logs[-1])
        self.write(self.nr, '600\n')
        changes.ensure_hugepages()
        self.assertEqual('600', self.read(self.nr))

    def test_failed_undo_is_kept_in_the_journal(self):
        changes = self.changes(hugepages=0)
        changes.apply_all()
        self.runner.responses[('ip', 'link', 'show')] = (0, '')
        self.runner.responses[('ip', 'link', 'del')] = (1, '')
        e = self.assertRaises(LocalDevstackError, changes.undo_all)
        self.assertIn('bridge', str(e))
        self.assertEqual(['bridge'], [x['kind'] for x in changes.entries()])


class TestClashes(HostFixture):

    def test_existing_bridge_name(self):
        self.runner.responses[('ip', 'link', 'show')] = (0, '')
        e = self.assertRaises(LocalDevstackError,
                              self.changes().add_bridge)
        self.assertIn('already exists', str(e))
        self.assertEqual([], self.runner.ran('ip', 'link', 'add'))

    def test_subnet_overlap(self):
        e = self.assertRaises(LocalDevstackError,
                              self.changes(subnet='192.0.2.0/25').add_bridge)
        self.assertIn('address clash', str(e))
        self.assertIn('eth0', str(e))
        self.assertEqual([], self.runner.ran('ip', 'link', 'add'))


class TestChecks(base.TestCase):

    def test_root(self):
        host.check_root(euid=0)
        e = self.assertRaises(LocalDevstackError, host.check_root, euid=1000)
        self.assertIn('must run as root', str(e))

    def test_namespaces(self):
        proc = os.path.join(self.tmp, 'proc')
        for ns in ('mnt', 'net', 'pid', 'uts'):
            self.write(os.path.join(proc, 'self', 'ns', ns), '')
        e = self.assertRaises(LocalDevstackError, host.check_namespaces,
                              proc_root=proc, which=lambda c: '/bin/' + c)
        self.assertIn('ipc namespace', str(e))
        self.write(os.path.join(proc, 'self', 'ns', 'ipc'), '')
        host.check_namespaces(proc_root=proc, which=lambda c: '/bin/' + c)
        e = self.assertRaises(
            LocalDevstackError, host.check_namespaces, proc_root=proc,
            which=lambda c: None if c == 'debootstrap' else '/bin/' + c)
        self.assertIn('missing commands: debootstrap', str(e))

    def test_hint_installs_every_missing_tool(self):
        proc = os.path.join(self.tmp, 'proc')
        for ns in host.NAMESPACES:
            self.write(os.path.join(proc, 'self', 'ns', ns), '')
        e = self.assertRaises(
            LocalDevstackError, host.check_namespaces, proc_root=proc,
            which=lambda c: None if c in ('debootstrap', 'ethtool',
                                          'systemd-nspawn') else '/bin/' + c)
        self.assertIn('missing commands: systemd-nspawn, debootstrap, '
                      'ethtool', str(e))
        self.assertIn('BINDEP_PROFILE=local-devstack tools/bootstrap',
                      str(e))
        self.assertIn('apt-get install debootstrap ethtool '
                      'systemd-container', str(e))

    def test_every_needed_command_has_its_package(self):
        self.assertEqual(set(host.NEEDED_COMMANDS),
                         set(host.COMMAND_PACKAGES))

    def test_memory(self):
        proc = os.path.join(self.tmp, 'proc')
        self.write(os.path.join(proc, 'meminfo'),
                   'MemTotal: 8000000 kB\nMemAvailable: 4194304 kB\n')
        host.check_memory(3072, 512, proc_root=proc)
        e = self.assertRaises(LocalDevstackError, host.check_memory, 4000,
                              512, proc_root=proc)
        self.assertIn('4096 MiB available, need 5024 MiB', str(e))

    def test_disk(self):
        fake = collections.namedtuple('St', 'f_bavail f_frsize')
        host.check_disk(self.tmp + '/not/yet', 10,
                        statvfs=lambda p: fake(11 * 1024 ** 2, 1024))
        e = self.assertRaises(LocalDevstackError, host.check_disk,
                              self.tmp, 20,
                              statvfs=lambda p: fake(5 * 1024 ** 2, 1024))
        self.assertIn('5 GiB free, need 20 GiB', str(e))
