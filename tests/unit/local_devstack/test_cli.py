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
import subprocess
import time
from unittest import mock

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import cli
from virtiofs_scaphandre.local_devstack import cloud
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import rootfs
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import stacking

TEMPEST_OUT = """\
{0} virtiofs_scaphandre_tempest_plugin.api.test_x.T.test_a [1.0s] ... ok

======
Totals
======
Ran: 3 tests in 12.0 sec.
 - Passed: 2
 - Skipped: 0
 - Expected Fail: 0
 - Unexpected Success: 0
 - Failed: 1
Sum of execute time for each test: 11.0 sec.
"""


class TestMain(base.TestCase):

    def main(self, argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = cli.main(argv, runner=base.FakeRunner(), environ={},
                          default_config=None)
        return rc, err.getvalue()

    def test_bad_set_option(self):
        rc, err = self.main(['--set', 'hugepages', 'status'])
        self.assertEqual(1, rc)
        self.assertIn("--set 'hugepages': expected NAME=VALUE", err)

    def test_bad_setting_value(self):
        rc, err = self.main(['--set', 'subnode=perhaps', 'status'])
        self.assertEqual(1, rc)
        self.assertIn('local-devstack status: error: subnode', err)

    def test_unknown_command(self):
        with contextlib.redirect_stderr(io.StringIO()):
            self.assertRaises(SystemExit, cli.main, ['frobnicate'],
                              environ={}, default_config=None)

    def test_up_flags_become_settings(self):
        seen = {}

        def fake_up(app, keep_on_failure=False, snapshot='auto'):
            seen.update(subnode=app.s.subnode, plugin=app.s.plugin,
                        keep=keep_on_failure)
        with mock.patch.object(cloud.Cloud, 'up', fake_up):
            rc, _ = self.main(['--set', 'state_dir=%s' % self.tmp, 'up',
                               '--no-subnode', '--no-plugin',
                               '--keep-on-failure'])
        self.assertEqual(0, rc)
        self.assertEqual({'subnode': False, 'plugin': False, 'keep': True},
                         seen)

    def test_test_when_not_up(self):
        with mock.patch.object(host, 'check_root'):
            rc, err = self.main(['--set', 'state_dir=%s' % self.tmp,
                                 'test'])
        self.assertEqual(1, rc)
        self.assertIn('the cloud is not up', err)

    def test_mirror_needs_git_source(self):
        rc, err = self.main(['--set', 'state_dir=%s' % self.tmp, 'mirror',
                             '--only', 'os-test-images'])
        self.assertEqual(1, rc)
        self.assertIn('--git os-test-images=', err)


class TestUpFailure(base.TestCase):

    def test_failed_stack_shows_step_and_log_and_restores_host(self):
        s = self.settings(subnode='false', snapshots='false')
        runner = base.FakeRunner({('nsenter',): (
            1, 'Error: harmless probe\n'
               '+ lib/keystone:start_keystone:10 die 10 '
               "'keystone did not start'\nmore\n"
               '+ stack.sh:exit_trap:543 :   echo Error on exit\n'
               'Error on exit\n')})
        app = cloud.Cloud(s, runner, checks=False)
        app.render_all = lambda: {'lds-controller': 'x'}
        self.write(app.controller.state_path,
                   '{"nspawn_pid": 1, "leader_pid": 1}')
        calls = []
        app.host.apply_all = lambda: calls.append('apply')
        app.host.undo_all = lambda: calls.append('undo')
        app.host.hugetlbfs_path = lambda: None
        app.stacker.prepare_node = lambda node, base, conf: None
        app.controller.boot = lambda hugetlbfs: None
        app.controller.running = lambda: False
        with mock.patch.object(rootfs, 'make_base_rootfs'), \
                mock.patch.object(host, 'check_root'):
            e = self.assertRaises(LocalDevstackError, app.up)
        text = str(e)
        self.assertIn('stack.sh failed on lds-controller (exit 1)', text)
        self.assertIn("failing step: + lib/keystone:start_keystone:10 die",
                      text)
        self.assertIn(os.path.join(s.logs_dir, 'lds-controller-stack.log'),
                      text)
        self.assertEqual(['apply', 'undo'], calls)


class TestSummaries(base.TestCase):

    def test_tempest_summary(self):
        summary = cloud.tempest_summary(TEMPEST_OUT)
        self.assertEqual((2, 1, 0), (summary['passed'], summary['failed'],
                                     summary['skipped']))
        self.assertTrue(summary['text'].startswith('======\nTotals'))

    def test_no_summary(self):
        summary = cloud.tempest_summary('No tests were found\n')
        self.assertEqual(0, summary['passed'])
        self.assertEqual('', summary['text'])

    def test_failure_excerpt_without_log(self):
        self.assertIn('no log at', stacking.failure_excerpt(self.tmp + '/x'))


class TestDownAndDestroy(base.TestCase):

    def app(self):
        s = self.settings()
        app = cloud.Cloud(s, base.FakeRunner(), checks=False)
        return s, app

    def test_down_unstacks_subnode_first_then_undoes_host(self):
        s, app = self.app()
        order = []
        for node in app.all_nodes():
            self.write(node.state_path,
                       '{"nspawn_pid": 1, "leader_pid": 1}')
            self.write(node.path('/opt/stack/devstack/.stackenv'), '')
            node.running = lambda: True
            node.stop = (lambda n: lambda: order.append('stop ' + n.name))(
                node)
        app.host.undo_all = lambda: order.append('undo')
        with mock.patch.object(host, 'check_root'):
            app.down()
        unstacks = [c for c in app.runner.commands if './unstack.sh' in c]
        self.assertEqual(2, len(unstacks))
        self.assertEqual(['stop lds-subnode', 'stop lds-controller', 'undo'],
                         order)

    def test_destroy_removes_only_what_it_made(self):
        s, app = self.app()
        made = [app.controller.path('/etc/hostname'),
                os.path.join(s.machines_dir, '.base-bookworm', 'etc', 'x'),
                os.path.join(s.mirror_dir, 'openstack', 'nova.git', 'HEAD'),
                os.path.join(s.logs_dir, 'stack.log')]
        for path in made:
            self.write(path, 'x')
        other = self.write(os.path.join(s.state_dir, 'notes.txt'), 'mine')
        with mock.patch.object(host, 'check_root'), \
                contextlib.redirect_stdout(io.StringIO()):
            app.destroy()
        for path in made:
            self.assertFalse(os.path.exists(path), path)
        self.assertTrue(os.path.exists(other))
        self.assertFalse(os.path.exists(s.machines_dir))


class TestComputeKey(base.TestCase):

    def app(self):
        s = self.settings()
        app = cloud.Cloud(s, base.FakeRunner(), checks=False)
        self.write(os.path.join(s.state_dir, 'ssh', 'id_ed25519'), 'KEY\n')
        uid, gid = os.getuid(), os.getgid()
        self.write(app.controller.path('/etc/passwd'),
                   'stack:x:%d:%d::/opt/stack:/bin/bash\n' % (uid, gid))
        return app

    def test_key_written_where_the_job_says(self):
        app = self.app()
        conf = localconf.HandWritten(
            '[[local|localrc]]\n'
            'VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY="/home/tempest/.ssh/'
            'id_virtiofs_scaphandre"\n')
        app.stacker.install_compute_key(app.controller, conf)
        path = app.controller.path('/home/tempest/.ssh/'
                                   'id_virtiofs_scaphandre')
        with open(path) as f:
            self.assertEqual('KEY\n', f.read())
        self.assertEqual(0o600, os.stat(path).st_mode & 0o777)
        self.assertEqual(0o700, os.stat(os.path.dirname(path)).st_mode &
                         0o777)

    def test_no_key_setting_writes_nothing(self):
        app = self.app()
        app.stacker.install_compute_key(
            app.controller, localconf.HandWritten('[[local|localrc]]\nX=1\n'))
        self.assertFalse(os.path.exists(app.controller.path('/home')))

    def test_relative_key_path_is_refused(self):
        app = self.app()
        e = self.assertRaises(
            LocalDevstackError, app.stacker.install_compute_key,
            app.controller,
            localconf.HandWritten('[[local|localrc]]\n'
                                  'VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY=key\n'))
        self.assertIn('absolute path', str(e))


class TestStackBoth(base.TestCase):

    def app(self, controller_fails=False, subnode_fails=False):
        s = self.settings(snapshots='false')
        app = cloud.Cloud(s, base.FakeRunner(), checks=False)
        self.events = []
        gate = app.subnode.path(stacking.CONTROLLER_GATE)
        self.gate_seen = []
        app.render_all = lambda: {n.name: 'x' for n in app.nodes}
        app.host.apply_all = lambda: None
        app.host.undo_all = lambda: self.events.append('undo')
        app.host.hugetlbfs_path = lambda: None
        app.stacker.prepare_node = lambda node, base, conf: None
        app.stacker.discover_hosts = lambda: self.events.append('discover')

        def stack(node):
            if node is app.subnode:
                # The subnode's wait-for-controller plugin reads the gate.
                for _ in range(6000):  # up to 60 s on a loaded host
                    # Non-empty, as the wait-for-controller plugin waits:
                    # the file exists a moment before its word is in it.
                    if os.path.exists(gate) and os.path.getsize(gate):
                        break
                    time.sleep(0.01)
                with open(gate) as f:
                    self.gate_seen.append(f.read().strip())
                if subnode_fails or self.gate_seen[-1] != 'stacked':
                    raise LocalDevstackError('stack.sh failed on '
                                             'lds-subnode (exit 1)')
            elif controller_fails:
                raise LocalDevstackError('stack.sh failed on '
                                         'lds-controller (exit 1)')
            self.events.append('stack ' + node.name)
        app.stacker.stack = stack
        for node in app.nodes:
            node.boot = lambda hugetlbfs: None
            node.running = lambda: False
            node.wire_tunnel_bridge = (
                lambda n: lambda: self.events.append('wire ' + n.name))(node)
        return app

    def up(self, app):
        with mock.patch.object(rootfs, 'make_base_rootfs'), \
                mock.patch.object(host, 'check_root'), \
                contextlib.redirect_stdout(io.StringIO()):
            app.up()

    def test_subnode_services_wait_for_the_controller(self):
        app = self.app()
        self.up(app)
        self.assertEqual(['stacked'], self.gate_seen)
        self.assertEqual(['stack lds-controller', 'wire lds-controller',
                          'stack lds-subnode', 'wire lds-subnode',
                          'discover'], self.events)
        labels = [label for label, _ in app.timings]
        self.assertIn('stack.sh lds-subnode', labels)
        self.assertIn('stack.sh, both nodes', labels)

    def test_failed_controller_stops_the_subnode_at_its_gate(self):
        app = self.app(controller_fails=True)
        e = self.assertRaises(LocalDevstackError, self.up, app)
        self.assertIn('lds-controller', str(e))
        self.assertEqual(['failed'], self.gate_seen)
        self.assertNotIn('wire lds-subnode', self.events)
        self.assertEqual('undo', self.events[-1])

    def test_failed_subnode_is_reported(self):
        app = self.app(subnode_fails=True)
        e = self.assertRaises(LocalDevstackError, self.up, app)
        self.assertIn('lds-subnode', str(e))
        self.assertNotIn('discover', self.events)


class TestSubnodeConf(base.TestCase):

    def test_wait_plugin_enabled_and_stale_gate_removed(self):
        app = cloud.Cloud(self.settings(), Runner(), checks=False)
        gate = self.write(app.subnode.path(stacking.CONTROLLER_GATE),
                          'stacked')
        rendered = localconf.HandWritten(
            '[[local|localrc]]\nX=1\n'
            'enable_plugin virtiofs-scaphandre file:///opt/stack/v\n')
        conf = app.stacker.add_wait_for_controller(app.subnode, rendered)
        self.assertFalse(os.path.exists(gate))
        self.assertNotIn('lds-wait', rendered.text())
        self.assertTrue(conf.text().splitlines()[-1].startswith(
            'enable_plugin lds-wait-for-controller file:///opt/stack/'))
        repo = app.subnode.path(stacking.WAIT_PLUGIN_DEST)
        log = subprocess.run(['git', '-C', repo, 'ls-files'],
                             capture_output=True, text=True, check=True)
        self.assertEqual(['devstack/plugin.sh'], log.stdout.split())


class TestWaitForControllerPlugin(base.TestCase):
    """The subnode's devstack plugin, run by bash with a stand-in die."""

    def run_plugin(self, gate_text=None, timeout=1):
        gate = os.path.join(self.tmp, 'gate')
        if gate_text is not None:
            self.write(gate, gate_text)
        plugin = os.path.join(stacking.WAIT_PLUGIN_SRC, 'devstack',
                              'plugin.sh')
        script = ('function die { shift; echo "DIE: $*"; exit 1; }\n'
                  'function sleep { :; }\n'
                  'source %s stack post-config\n' % plugin)
        return subprocess.run(
            ['bash', '-c', script],
            env={'PATH': '/usr/bin:/bin', 'LDS_CONTROLLER_GATE': gate,
                 'LDS_CONTROLLER_TIMEOUT': str(timeout)},
            capture_output=True, text=True, timeout=30)

    def test_stacked_controller_lets_the_subnode_go_on(self):
        r = self.run_plugin('stacked\n')
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn('the controller is stacked', r.stdout)

    def test_failed_controller_stops_the_subnode(self):
        r = self.run_plugin('failed\n')
        self.assertEqual(1, r.returncode)
        self.assertIn("ended with 'failed'", r.stdout)

    def test_no_word_in_time(self):
        r = self.run_plugin(None, timeout=0)
        self.assertEqual(1, r.returncode)
        self.assertIn('no word from the controller', r.stdout)

    def test_other_phases_do_nothing(self):
        plugin = os.path.join(stacking.WAIT_PLUGIN_SRC, 'devstack',
                              'plugin.sh')
        r = subprocess.run(['bash', plugin, 'stack', 'install'],
                           env={'PATH': '/usr/bin:/bin',
                                'LDS_CONTROLLER_GATE': '/nonexistent'},
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(0, r.returncode)
        self.assertEqual('', r.stdout)


class TestJobConcurrency(base.TestCase):

    def cloud_with_concurrency(self, value, **settings):
        top = os.path.join(self.tmp, 'tree%d' % value)
        zuul_dir = os.path.join(top, 'zuul.d')
        for name in os.listdir(os.path.join(base.TOP_DIR, 'zuul.d')):
            with open(os.path.join(base.TOP_DIR, 'zuul.d', name)) as f:
                text = f.read()
            self.write(os.path.join(zuul_dir, name), text.replace(
                'tempest_concurrency: &vs_tempest_concurrency 1',
                'tempest_concurrency: &vs_tempest_concurrency %d' % value))
        return cloud.Cloud(self.settings(**settings), base.FakeRunner(),
                           top_dir=top, checks=False)

    def test_test_runs_with_the_job_s_concurrency(self):
        self.assertEqual(3, self.cloud_with_concurrency(3).job_concurrency())
        self.assertEqual(2, self.cloud_with_concurrency(
            2, subnode='false').job_concurrency())

    def test_hand_written_local_conf_runs_one_worker(self):
        conf = os.path.join(self.tmp, 'local.conf')
        self.write(conf, '')
        self.assertEqual(1, self.cloud_with_concurrency(
            3, local_conf=conf).job_concurrency())
