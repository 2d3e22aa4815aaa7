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

import contextlib
import io
import os
from unittest import mock

import fixtures

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import nodestate
from virtiofs_scaphandre.local_devstack import restore
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import stacking


def confs(**texts):
    found = {'lds-controller': 'conf c\n', 'lds-subnode': 'conf s\n'}
    found.update({k.replace('_', '-'): v for k, v in texts.items()})
    return {name: localconf.HandWritten(text)
            for name, text in found.items()}


class CloudFixture(base.TestCase):
    """A Cloud whose nodes and node services are recorded, not run."""

    def setUp(self):
        super(CloudFixture, self).setUp()
        self.events = []
        self.patch_nodestate()

    def cloud(self, **settings):
        repo = os.path.join(self.tmp, 'devstack')
        os.makedirs(repo, exist_ok=True)
        s = self.settings(devstack_repo=repo, **settings)
        runner = base.FakeRunner({
            ('git', '-C', repo, 'rev-parse'): (0, 'c0ffee\n'),
            ('du',): (0, '1024 x\n')})
        c = cloud_mod.Cloud(s, runner, checks=False)
        c.render_all = confs
        c.host.apply_all = lambda: self.events.append('host')
        c.host.hugetlbfs_path = lambda: None
        c.host.mount_overlay = lambda name, lower, target: \
            self.events.append('overlay %s' % name)
        c.host.undo_overlays = lambda: self.events.append('undo overlays')
        c.snapshots.check_health = lambda *a, **k: self.events.append(
            'health')
        c.stacker.stack_all = lambda confs: self.stack_all(c)
        for node in c.all_nodes():
            node.boot = (lambda n: lambda hp: self.events.append(
                'boot ' + n.name))(node)
            node.stop = (lambda n: lambda: self.events.append(
                'stop ' + n.name))(node)
            node.wire_tunnel_bridge = (lambda n: lambda: self.events.append(
                'wire ' + n.name))(node)
            node.write_node_files = lambda peers: None
        return c

    def stack_all(self, c):
        self.events.append('stack.sh')
        for node in c.nodes:
            self.write(node.path('etc/hostname'), node.name)

    def patch_nodestate(self):
        def record(name):
            def fake(runner, node, *args, **kwargs):
                self.events.append('%s %s' % (name, node.name))
                return {'addresses': [], 'routes': []} \
                    if name == 'capture' else None
            return fake
        for attr, name in (('quiesce', 'quiesce'),
                           ('capture_network', 'capture'),
                           ('restore_network', 'network'),
                           ('start_units', 'units'),
                           ('wait_for_ovs', 'ovs')):
            self.useFixture(fixtures.MockPatchObject(nodestate, attr,
                                                     record(name)))

    def up(self, c, **kwargs):
        with mock.patch.object(host, 'check_root'), \
                contextlib.redirect_stdout(io.StringIO()):
            c.up(**kwargs)


class TestUpWithSnapshots(CloudFixture):

    def test_first_up_stacks_takes_a_snapshot_and_restores_it(self):
        c = self.cloud()
        self.up(c)
        self.assertEqual([
            'host', 'stack.sh',
            'capture lds-subnode', 'capture lds-controller',
            'quiesce lds-subnode', 'quiesce lds-controller',
            'stop lds-subnode', 'stop lds-controller',
            'overlay lds-controller', 'overlay lds-subnode',
            'boot lds-controller', 'boot lds-subnode',
            'ovs lds-controller', 'network lds-controller',
            'wire lds-controller',
            'ovs lds-subnode', 'network lds-subnode', 'wire lds-subnode',
            'units lds-controller', 'units lds-subnode', 'health'],
            self.events)
        snaps = c.snapshots.store.all()
        self.assertEqual(1, len(snaps))
        self.assertIn('no snapshot yet: stack.sh', c.runner.logs)

    def test_second_up_restores_without_stack_sh(self):
        c = self.cloud()
        self.up(c)
        self.events[:] = []
        c = self.cloud()
        self.up(c)
        self.assertNotIn('stack.sh', self.events)
        self.assertEqual('health', self.events[-1])
        self.assertTrue(any('matches' in line for line in c.runner.logs))

    def test_changed_input_falls_back_to_stack_sh_and_says_why(self):
        c = self.cloud()
        self.up(c)
        c = self.cloud()
        c.render_all = lambda: confs(lds_subnode='conf s2\n')
        self.events[:] = []
        self.up(c)
        self.assertIn('stack.sh', self.events)
        self.assertTrue(any('differs in: local.conf lds-subnode' in line
                            for line in c.runner.logs), c.runner.logs)

    def test_failed_restore_falls_back_to_stack_sh(self):
        c = self.cloud()
        self.up(c)
        c = self.cloud()

        def unhealthy(*args, **kwargs):
            self.events.append('health')
            if 'stack.sh' not in self.events:
                raise LocalDevstackError('n-cpu on lds-subnode is down')
        c.snapshots.check_health = unhealthy
        self.events[:] = []
        self.up(c)
        self.assertLess(self.events.index('undo overlays'),
                        self.events.index('stack.sh'))
        self.assertTrue(any('n-cpu on lds-subnode is down; falling back'
                            in line for line in c.runner.logs))

    def test_stack_flag_never_restores(self):
        c = self.cloud()
        self.up(c)
        self.events[:] = []
        self.up(self.cloud(), snapshot='never')
        self.assertIn('stack.sh', self.events)
        self.assertNotIn('quiesce lds-controller', self.events)

    def test_forced_snapshot_warns_about_differences(self):
        c = self.cloud()
        self.up(c)
        snap = c.snapshots.store.all()[0]
        c = self.cloud()
        c.render_all = lambda: confs(lds_controller='other')
        self.events[:] = []
        self.up(c, snapshot=snap.id)
        self.assertNotIn('stack.sh', self.events)
        self.assertTrue(any(
            line.startswith('WARNING: restoring snapshot %s' % snap.id) and
            'local.conf lds-controller' in line for line in c.runner.logs))

    def test_forced_snapshot_names_the_local_conf_settings(self):
        c = self.cloud()
        c.render_all = lambda: confs(
            lds_controller='[[local|localrc]]\nA=1\nB=2\n',
            lds_subnode='[[local|localrc]]\nS=1\nT=1\n')
        self.up(c)
        snap = c.snapshots.store.all()[0]
        written = c.render_all()
        written['lds-subnode'] = stacking.subnode_conf(written['lds-subnode'])
        for node, conf in written.items():
            # What stack.sh ran with: the snapshot's own copy.
            self.write(os.path.join(snap.rootfs(node), 'opt/stack/devstack/'
                                    'local.conf'), conf.text())
        c = self.cloud()
        c.render_all = lambda: confs(
            lds_controller='[[local|localrc]]\nA=1\nB=3\n',
            lds_subnode='[[local|localrc]]\nT=1\nS=1\n')
        self.up(c, snapshot=snap.id)
        self.assertIn('  local.conf lds-controller: B: 2 -> 3',
                      c.runner.logs)
        self.assertIn('  local.conf lds-subnode: the same settings in '
                      'another order', c.runner.logs)

    def test_no_match_says_how_to_restore_anyway(self):
        c = self.cloud()
        self.up(c)
        c = self.cloud()
        c.render_all = lambda: confs(lds_subnode='conf s2\n')
        self.up(c)
        self.assertTrue(any('"up --snapshot ID" restores one anyway' in line
                            for line in c.runner.logs), c.runner.logs)

    def test_snapshots_off_keeps_the_old_behaviour(self):
        c = self.cloud(snapshots='false')
        self.up(c)
        self.assertEqual(['host', 'stack.sh'], self.events)


class TestHealthArgs(base.TestCase):

    def test_boot_args_from_tempest_conf(self):
        c = cloud_mod.Cloud(self.settings(), base.FakeRunner(), checks=False)
        self.write(c.controller.path(restore.TEMPEST_CONF),
                   '[compute]\nimage_ref = img\nflavor_ref = 42\n')
        self.assertEqual(['--boot', 'img', '42', 'private'],
                         c.snapshots.boot_args())

    def test_venv_python_that_links_into_the_node_is_used(self):
        c = cloud_mod.Cloud(self.settings(), base.FakeRunner(), checks=False)
        self.write(c.controller.state_path,
                   '{"nspawn_pid": 1, "leader_pid": 1}')
        venv_python = c.controller.path(restore.VENV_PYTHON)
        os.makedirs(os.path.dirname(venv_python))
        # A trixie node's venv: python3 -> python3.13 -> /usr/bin/python3.13,
        # absent on this host.
        os.symlink('/usr/bin/python3.no-such-version', venv_python)
        c.snapshots.check_health()
        run = [cmd for cmd in c.runner.commands if restore.HEALTH_DEST in cmd]
        self.assertEqual(restore.VENV_PYTHON,
                         run[0][run[0].index(restore.HEALTH_DEST) - 1])

    def test_only_this_check_is_reported(self):
        c = cloud_mod.Cloud(self.settings(), base.FakeRunner(
            {('nsenter',): (0, 'server ACTIVE on lds-subnode in 9 s\n')}),
            checks=False)
        self.write(c.controller.state_path,
                   '{"nspawn_pid": 1, "leader_pid": 1}')
        self.write(os.path.join(c.s.logs_dir, 'health.log'),
                   'server ACTIVE on lds-controller in 12 s\n')
        c.snapshots.check_health()
        self.assertEqual(['health: server ACTIVE on lds-subnode in 9 s'],
                         [line for line in c.runner.logs
                          if line.startswith('health: ')])

    def test_unhealthy_cloud_names_the_problems(self):
        c = cloud_mod.Cloud(self.settings(), base.FakeRunner(
            {('nsenter',): (1, 'waiting\nnot ready: hypervisor lds-subnode'
                            ' is down\n')}), checks=False)
        self.write(c.controller.state_path,
                   '{"nspawn_pid": 1, "leader_pid": 1}')
        e = self.assertRaises(LocalDevstackError,
                              c.snapshots.check_health)
        self.assertIn('not ready: hypervisor lds-subnode is down', str(e))


class TestStopNode(base.TestCase):

    class Node(object):
        name = 'lds-controller'

        def __init__(self):
            self.stopped = False

        def leader_pid(self):
            return 4242

        def stop(self):
            self.stopped = True

    def stop(self, status):
        proc = os.path.join(self.tmp, 'proc')
        if status is not None:
            self.write(os.path.join(proc, '4242', 'status'),
                       'Name:\tsystemd\n' + status)
        node, logs, killed = self.Node(), [], []
        restore.stop_node(node, logs.append, proc_root=proc,
                          kill=lambda pid, sig: killed.append((pid, sig)))
        self.assertTrue(node.stopped)
        return logs, killed

    def test_init_that_outlived_nspawn_is_killed(self):
        logs, killed = self.stop('NSpid:\t4242\t1\n')
        self.assertEqual([(4242, restore.signal.SIGKILL)], killed)
        self.assertIn('outlived systemd-nspawn', logs[0])

    def test_a_halted_node_is_left_alone(self):
        self.assertEqual(([], []), self.stop(None))

    def test_a_host_process_with_the_pid_is_left_alone(self):
        self.assertEqual(([], []), self.stop('NSpid:\t4242\n'))
