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

import itertools
import json
import os
import shutil
import signal
import subprocess
from unittest import mock

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import rootfs
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError


class ContainerFixture(base.TestCase):

    def setUp(self):
        super(ContainerFixture, self).setUp()
        self.proc = os.path.join(self.tmp, 'proc')
        os.makedirs(self.proc)
        self.runner = base.FakeRunner({
            ('nsenter',): (0, 'running\n')})

    def container(self, index=0, **overrides):
        return ctr.Container(self.settings(**overrides), self.runner,
                             'lds-controller', index, proc_root=self.proc)

    def process(self, pid, ppid=1, argv=('sleep',), state='S (sleeping)'):
        self.write(os.path.join(self.proc, str(pid), 'status'),
                   'Name:\t%s\nState:\t%s\nPPid:\t%d\n' % (
                       os.path.basename(argv[0])[:15], state, ppid))
        self.write(os.path.join(self.proc, str(pid), 'cmdline'),
                   '\0'.join(argv) + '\0')

    def clock(self, step=1.0):
        counter = itertools.count()
        return lambda: next(counter) * step


class TestBoot(ContainerFixture):

    def test_boot_finds_init_and_waits_for_systemd(self):
        c = self.container(git_base='mirror')
        spawn = self.runner.spawn_detached

        def spawn_and_appear(argv, log_path, env=None):
            self.process(4242, argv=argv)
            self.process(4243, ppid=4242, argv=('/sbin/init',))
            return spawn(argv, log_path, env)
        self.runner.spawn_detached = spawn_and_appear
        c.boot(hugetlbfs='/hp', clock=self.clock(), sleep=lambda s: None)
        argv = self.runner.spawned[0]
        self.assertEqual('systemd-nspawn', argv[0])
        for option in ('--boot', '--register=no', '--keep-unit',
                       '--network-bridge=ldsbr0', '--bind=/hp:/dev/hugepages',
                       '--bind-ro=%s:/opt/git' % c.settings.mirror_dir):
            self.assertIn(option, argv)
        with open(c.state_path) as f:
            self.assertEqual({'nspawn_pid': 4242, 'leader_pid': 4243},
                             json.load(f))
        self.assertTrue(c.running())
        ksm = [cmd for cmd in self.runner.ran('nsenter')
               if any('/sys/kernel/mm/ksm' in a for a in cmd)]
        self.assertEqual(1, len(ksm))
        self.assertEqual(['nsenter', '-t', '4243', '-a'], ksm[0][:4])
        # The host's ethtool, in the node's network namespace only.
        self.assertIn(['nsenter', '-t', '4243', '-n', 'ethtool', '-K',
                       'host0', 'tx', 'off'], self.runner.ran('nsenter'))

    def test_boot_skips_a_helper_child_of_nspawn(self):
        c = self.container()

        def spawn(argv, log_path, env=None):
            self.process(4242, argv=argv)
            # nspawn forks a short-lived helper before the init.
            self.process(4243, ppid=4242, argv=('systemd-nspawn',))
            self.process(4244, ppid=4242, argv=('/usr/lib/systemd/systemd',))
            return 4242
        self.runner.spawn_detached = spawn
        c.boot(clock=self.clock(), sleep=lambda s: None)
        with open(c.state_path) as f:
            self.assertEqual(4244, json.load(f)['leader_pid'])

    def test_exited_unreaped_nspawn_is_not_running(self):
        c = self.container()
        self.write(c.state_path, '{"nspawn_pid": 4242, "leader_pid": 4243}')
        self.process(4242, argv=('systemd-nspawn',), state='Z (zombie)')
        self.process(4243, ppid=4242, argv=('systemd',))
        self.assertFalse(c.running())
        # stop returns at once instead of waiting for the zombie.
        sleeps = []
        with mock.patch.object(os, 'kill') as kill, \
                mock.patch.object(os, 'waitpid'):
            c._kill(4242, sleep=sleeps.append)
        kill.assert_called_once_with(4242, signal.SIGTERM)
        self.assertEqual([], sleeps)

    def test_nspawn_dies_early(self):
        c = self.container()
        e = self.assertRaises(LocalDevstackError, c.boot,
                              clock=self.clock(), sleep=lambda s: None)
        self.assertIn('did not start', str(e))
        self.assertIn('lds-controller-console.log', str(e))
        self.assertFalse(os.path.exists(c.state_path))

    def test_systemd_never_ready(self):
        c = self.container()
        self.process(4242, argv=('systemd-nspawn',))
        self.process(4243, ppid=4242, argv=('systemd',))
        self.runner.responses[('nsenter',)] = (1, 'starting\n')
        killed = []
        c._kill = lambda pid, **kw: killed.append(pid)
        e = self.assertRaises(LocalDevstackError, c.boot,
                              clock=self.clock(10), sleep=lambda s: None)
        self.assertIn('did not finish booting in 120s', str(e))
        self.assertEqual([4242], killed)
        self.assertFalse(os.path.exists(c.state_path))

    def test_foreign_container_on_our_rootfs(self):
        c = self.container()
        self.process(777, argv=('/usr/bin/systemd-nspawn', '-D', c.rootfs,
                                '-b'))
        e = self.assertRaises(LocalDevstackError, c.boot,
                              clock=self.clock(), sleep=lambda s: None)
        self.assertIn('stale container: systemd-nspawn pid 777', str(e))
        self.assertEqual([], self.runner.spawned)

    def test_stale_state_is_forgotten(self):
        c = self.container()
        self.write(c.state_path, json.dumps({'nspawn_pid': 5,
                                             'leader_pid': 6}))
        self.assertFalse(c.running())
        self.assertTrue(c.clear_stale())
        self.assertFalse(os.path.exists(c.state_path))


class TestEnter(ContainerFixture):

    def test_enter_as_stack_in_devstack(self):
        c = self.container()
        self.write(c.state_path, json.dumps({'nspawn_pid': 1,
                                             'leader_pid': 99}))
        argv = c.enter(['./stack.sh'], user='stack',
                       cwd='/opt/stack/devstack')
        self.assertEqual(['nsenter', '-t', '99', '-a', '--', 'env', '-i'],
                         argv[:7])
        i = argv.index('runuser')
        self.assertEqual(['runuser', '-u', 'stack', '--', 'env',
                          'HOME=/opt/stack'], argv[i:i + 6])
        self.assertEqual(['/opt/stack/devstack', './stack.sh'], argv[-2:])

    def test_enter_when_not_running(self):
        e = self.assertRaises(LocalDevstackError, self.container().enter,
                              ['true'])
        self.assertIn('not running', str(e))

    def test_tunnel_bridge_takes_the_address_and_route(self):
        c = self.container(index=1)
        self.write(c.state_path, json.dumps({'nspawn_pid': 1,
                                             'leader_pid': 99}))
        c.wire_tunnel_bridge()
        argv = self.runner.ran('nsenter')[-1]
        i = argv.index('sh')
        script, args = argv[i + 2], argv[i + 4:]
        self.assertEqual(['br-lds', '10.213.0.11/24', '10.213.0.1'], args)
        # Run the script against recording ovs-vsctl and ip.
        bindir = os.path.join(self.tmp, 'bin')
        log = os.path.join(self.tmp, 'calls')
        for tool in ('ovs-vsctl', 'ip'):
            path = self.write(os.path.join(bindir, tool),
                              '#!/bin/sh\necho "%s $*" >> %s\n' % (
                                  tool, log))
            os.chmod(path, 0o755)
        subprocess.run(['sh', '-c', script, 'wire'] + args, check=True,
                       env={'PATH': bindir + ':/usr/bin:/bin'})
        with open(log) as f:
            calls = f.read().splitlines()
        self.assertIn('set bridge br-lds datapath_type=netdev', calls[0])
        self.assertIn('add-port br-lds host0', calls[1])
        # It waits for the bridge's device (the stand-in ip has it).
        self.assertEqual('ip link show br-lds', calls[2])
        self.assertEqual('ip link set br-lds up', calls[3])
        self.assertEqual(['ip -4 addr del 10.213.0.11/24 dev host0',
                          'ip -4 addr replace 10.213.0.11/24 dev br-lds',
                          'ip route replace default via 10.213.0.1 '
                          'dev br-lds'], calls[4:])


class TestNodeFiles(ContainerFixture):

    def test_node_files(self):
        c = self.container(index=1, subnet='10.9.0.0/24')
        peer = self.container(index=0, subnet='10.9.0.0/24')
        link = c.path('etc/systemd/system/multi-user.target.wants/'
                      'devstack@n-cpu.service')
        self.write(link, '')
        c.write_node_files([peer, c])
        with open(c.path('etc/systemd/network/10-host0.network')) as f:
            network = f.read()
        self.assertIn('Address=10.9.0.11/24', network)
        self.assertIn('Gateway=10.9.0.1', network)
        with open(c.path('etc/hosts')) as f:
            self.assertIn('10.9.0.10 lds-controller', f.read())
        self.assertFalse(os.path.exists(link))
        with open(c.path('etc/libvirt/qemu.conf')) as f:
            self.assertIn('cgroup_controllers = [ ]\n', f.read())
        script = c.path(rootfs.OVN_METADATA_CHECKSUM_PATH)
        self.assertTrue(os.access(script, os.X_OK))
        wants = c.path('etc/systemd/system/multi-user.target.wants/' +
                       rootfs.OVN_METADATA_CHECKSUM_UNIT_NAME)
        self.assertEqual('/etc/systemd/system/' +
                         rootfs.OVN_METADATA_CHECKSUM_UNIT_NAME,
                         os.readlink(wants))
        self.assertTrue(os.path.isfile(c.path('var/lib/systemd/linger/'
                                              'stack')))
        # A second up finds everything in place.
        c.write_node_files([peer, c])

    def test_libvirt_conf_of_a_stacked_node_is_kept(self):
        c = self.container()
        conf = self.write(c.path('etc/libvirt/qemu.conf'),
                          '#cgroup_controllers = [ "cpu" ]\nuser = "x"\n')
        rootfs.configure_libvirt(c.runner, c.rootfs)
        rootfs.configure_libvirt(c.runner, c.rootfs)
        with open(conf) as f:
            text = f.read()
        self.assertTrue(text.startswith('#cgroup_controllers'))
        self.assertEqual(1, text.count('\ncgroup_controllers = [ ]'))


class TestMetadataChecksums(base.TestCase):
    """The in-container service, run for real on a scratch namespace."""

    def setUp(self):
        super(TestMetadataChecksums, self).setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root (network namespaces)')
        if not shutil.which('ethtool'):
            self.skipTest('needs ethtool (bindep profile local-devstack)')
        self.ns = 'ovnmeta-lds-test-%d' % os.getpid()
        subprocess.run(['ip', 'netns', 'add', self.ns], check=True)
        self.addCleanup(subprocess.run, ['ip', 'netns', 'del', self.ns])
        subprocess.run(['ip', '-n', self.ns, 'link', 'add', 'tap-a', 'type',
                        'veth', 'peer', 'name', 'tap-b'], check=True)

    def tx_checksumming(self, dev):
        out = subprocess.run(
            ['ip', 'netns', 'exec', self.ns, 'ethtool', '-k', dev],
            check=True, capture_output=True, text=True).stdout
        return [line for line in out.splitlines()
                if line.startswith('tx-checksumming:')][0]

    def test_offload_turned_off_in_ovnmeta_namespaces(self):
        self.assertIn(': on', self.tx_checksumming('tap-a'))
        # The service loops forever; two rounds are enough.
        subprocess.run(['timeout', '7', rootfs.OVN_METADATA_CHECKSUM_SCRIPT])
        self.assertIn(': off', self.tx_checksumming('tap-a'))
        self.assertIn(': off', self.tx_checksumming('tap-b'))


class TestSuites(ContainerFixture):

    def test_trixie_boots_on_the_unified_cgroup_hierarchy(self):
        for suite, env in (('bookworm', {}),
                           ('trixie', {'SYSTEMD_NSPAWN_UNIFIED_HIERARCHY':
                                       '1'})):
            c = ctr.Container(self.settings(suite=suite), self.runner,
                              'lds-controller', 0, proc_root=self.proc)
            self.assertEqual(env, c.nspawn_env())
            spawn = self.runner.spawn_detached

            def spawn_and_appear(argv, log_path, env=None):
                self.process(4242, argv=argv)
                self.process(4243, ppid=4242, argv=('/sbin/init',))
                return spawn(argv, log_path, env)
            self.runner.spawn_detached = spawn_and_appear
            c.boot(clock=self.clock(), sleep=lambda s: None)
            self.assertEqual(env, self.runner.spawned_env)
            os.remove(c.state_path)
            shutil.rmtree(self.proc)
            os.makedirs(self.proc)
            self.runner.spawn_detached = spawn

    def test_one_base_per_suite_and_nodes_follow_the_suite(self):
        bookworm = self.settings()
        trixie = self.settings(suite='trixie')
        self.assertNotEqual(rootfs.base_path(bookworm),
                            rootfs.base_path(trixie))
        c = ctr.Container(trixie, self.runner, 'lds-controller', 0)
        self.write(c.path(rootfs.PROVISIONED_MARK), 'base bookworm\n')
        self.assertEqual('bookworm', rootfs.provisioned_suite(c.rootfs))
        self.assertFalse(c.is_provisioned())
        self.write(c.path(rootfs.PROVISIONED_MARK), 'base trixie\n')
        self.assertTrue(c.is_provisioned())
        self.write(c.path(rootfs.PROVISIONED_MARK), 'base\n')
        self.assertFalse(c.is_provisioned())
