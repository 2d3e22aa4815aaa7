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

import os
import shutil
import subprocess
import threading
from unittest import mock

import fixtures

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import refresh
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import stacking

CONFS = {'lds-controller': '[[local|localrc]]\nA=1\n',
         'lds-subnode': '[[local|localrc]]\nB=1\n'}


def confs(**texts):
    found = dict(CONFS)
    found.update(texts)
    return {name: localconf.HandWritten(text)
            for name, text in found.items()}


FILES = {
    'README.rst': 'readme\n',
    'nova_patches/BASE': '34.0.0\n',
    'nova_patches/series': '0001-a.patch\n',
    'nova_patches/0001-a.patch': 'diff --git a/nova/x.py b/nova/x.py\n',
    'virtiofs_scaphandre_tempest_plugin/plugin.py': 'x = 1\n',
    'devstack/plugin.sh': 'case "$1:${2:-}" in\n'
                          '    stack:post-config)\n'
                          '        echo_summary "configuring nova"\n'
                          '        virtiofs_scaphandre_stack_post_config\n'
                          '        ;;\n'
                          '    stack:install)\n'
                          '        virtiofs_scaphandre_stack_install\n'
                          '        ;;\n'
                          'esac\n',
    'devstack/lib/v': 'function virtiofs_scaphandre_stack_post_config {\n'
                      '    iniset a b c\n}\n'
                      'function virtiofs_scaphandre_stack_install {\n'
                      '    install_package x\n}\n',
}


class RefreshFixture(base.TestCase):

    def setUp(self):
        super(RefreshFixture, self).setUp()
        self.top = os.path.join(self.tmp, 'tree')
        for path, text in FILES.items():
            self.write(os.path.join(self.top, path), text)
        git = ['git', '-C', self.top, '-c', 'user.name=t',
               '-c', 'user.email=t@t']
        subprocess.run(git + ['init', '-q'], check=True)
        subprocess.run(git + ['add', '-A'], check=True)
        self.runner = RecordingRunner()
        self.cloud = cloud_mod.Cloud(self.settings(), self.runner,
                                     top_dir=self.top, checks=False)
        self.cloud.render_all = confs
        self.cloud.require_up = lambda: None
        self.health = []
        self.cloud.snapshots.check_health = \
            lambda **kw: self.health.append(kw)
        uid, gid = os.getuid(), os.getgid()
        for node in self.cloud.nodes:
            self.write(node.path('etc/passwd'),
                       'stack:x:%d:%d::/opt/stack:/bin/bash\n' % (uid, gid))
            self.cloud.stacker.copy_plugin(node)
            conf = confs()[node.name]
            if node is self.cloud.subnode:
                conf = stacking.subnode_conf(conf)
            self.write(node.path(stacking.DEVSTACK_DIR + '/local.conf'),
                       conf.text())
            self.write(node.path(refresh.NOVA_CPU_CONF), '')
            self.write(node.state_path, '{"nspawn_pid": 1, '
                       '"leader_pid": 1}')
        self.runner.commands = []

    def change(self, path, text):
        self.write(os.path.join(self.top, path), text)

    def refresh(self):
        with mock.patch.object(host, 'check_root'):
            return refresh.Refresher(self.cloud).refresh()

    def patch_sleep(self):
        self.sleeps = []
        self.useFixture(fixtures.MockPatch('time.sleep', self.sleeps.append))

    def inner(self):
        found = []
        for argv in self.runner.commands:
            if argv[:2] == ['nsenter', '-t']:
                inner = argv[argv.index('HOME=/root') + 1:]
                if inner[:1] == ['runuser']:
                    inner = inner[inner.index('local-devstack') + 2:]
                found.append(inner)
        return found


class RecordingRunner(base.FakeRunner):
    """Runs git for real (make_repo), records everything else."""

    def run(self, argv, **kwargs):
        if argv[0] in ('git', 'chown'):
            self.commands.append(list(argv))
            if argv[0] == 'chown':
                return 0, None
            return Runner.run(self, argv, **kwargs)
        return super(RecordingRunner, self).run(argv, **kwargs)


class TestRefresh(RefreshFixture):

    def test_nothing_changed(self):
        self.assertEqual(['nothing to refresh: the nodes run this tree'],
                         self.refresh())
        self.assertEqual([], self.inner())

    def test_pbr_outputs_in_the_nodes_copy_are_not_changes(self):
        # Installing the tempest plugin from the copy writes these.
        copy = self.cloud.controller.path(localconf.PLUGIN_DEST)
        self.write(os.path.join(copy, 'AUTHORS'), 'someone\n')
        self.write(os.path.join(copy, 'build', 'lib', 'x.py'), '')
        self.assertEqual(['nothing to refresh: the nodes run this tree'],
                         self.refresh())
        self.assertEqual([], [line for line in self.runner.logs
                              if 'AUTHORS' in line or 'build/' in line])

    def test_docs_only(self):
        self.change('README.rst', 'new readme\n')
        done = self.refresh()
        self.assertEqual(['nothing to refresh: the nodes run this tree'],
                         done)
        self.assertIn('not used by the running cloud: README.rst',
                      self.runner.logs)

    def test_nova_patch_reapplied_and_nova_restarted_on_both(self):
        self.runner.responses[('nsenter',)] = (0, base.SlowServices(
            ['devstack@n-cpu.service'], other_output='34.0.0\n'))
        self.patch_sleep()
        self.change('nova_patches/0001-a.patch',
                    'diff --git a/nova/x.py b/nova/x.py\n# v2\n')
        done = self.refresh()
        inner = self.inner()
        resets = [c for c in inner if 'git clean -q -fd' in ' '.join(c)]
        self.assertEqual(2, len(resets))
        stops = [c for c in inner if c[:3] == ['systemctl', 'stop',
                                               '--no-block']]
        self.assertEqual([['systemctl', 'stop', '--no-block',
                           'devstack@n-*']] * 2, stops)
        # Not "systemctl restart", which waits minutes for the conductors.
        self.assertEqual([], [c for c in inner if 'restart' in c])
        self.assertEqual(1, len(self.health))
        self.assertIn('since', self.health[0])
        self.assertTrue(any('nova series re-applied to a clean nova 34.0.0'
                            in line for line in done))
        # The nodes now hold the new series.
        with open(self.cloud.subnode.path(
                localconf.PLUGIN_DEST + '/nova_patches/0001-a.patch')) as f:
            self.assertIn('# v2', f.read())

    def test_prepatched_nova_is_refused(self):
        self.runner.responses[('nsenter',)] = (1, '')
        self.change('nova_patches/0001-a.patch', 'diff --git a/n b/n\n')
        e = self.assertRaises(LocalDevstackError, self.refresh)
        self.assertIn('is not the series base 34.0.0', str(e))
        self.assertIn('need a full stack.sh, nothing was changed', str(e))
        # Refused before the tree was copied into any node.
        self.assertEqual([], self.runner.ran('chown'))

    def test_config_function_reruns_post_config_on_both_confs(self):
        self.runner.responses[('nsenter',)] = (0, base.SlowServices(
            ['devstack@n-cpu.service']))
        self.patch_sleep()
        self.change('devstack/lib/v', FILES['devstack/lib/v'].replace(
            'iniset a b c', 'iniset a b d'))
        self.refresh()
        steps = [c for c in self.inner() if c and
                 c[0] == refresh.STEPS_DEST]
        self.assertEqual(2, len(steps))
        self.assertEqual(['virtiofs_scaphandre_stack_post_config',
                          'NOVA_CONF=@NOVA_CPU_CONF',
                          'virtiofs_scaphandre_stack_post_config'],
                         steps[0][3:])
        self.assertIn(['systemctl', 'stop', '--no-block', 'devstack@n-*'],
                      self.inner())

    def test_a_failed_refresh_is_planned_again(self):
        self.runner.responses[('nsenter',)] = (0, base.SlowServices(
            ['devstack@n-cpu.service']))
        self.patch_sleep()
        self.change('devstack/lib/v', FILES['devstack/lib/v'].replace(
            'iniset a b c', 'iniset a b d'))
        with mock.patch.object(refresh.Refresher, 'run_phase',
                               side_effect=LocalDevstackError('boom')):
            self.assertRaises(LocalDevstackError, self.refresh)
        # The nodes hold the new copy, but its config never ran.
        self.refresh()
        steps = [c for c in self.inner() if c and
                 c[0] == refresh.STEPS_DEST]
        self.assertEqual(2, len(steps))
        self.assertIn('an earlier refresh did not finish: planning from '
                      'the tree the nodes ran before it', self.runner.logs)
        self.assertFalse(os.path.exists(
            self.cloud.controller.path(refresh.PENDING)))
        self.assertEqual(['nothing to refresh: the nodes run this tree'],
                         refresh.Refresher(self.cloud).refresh())

    def test_install_function_needs_stack_and_touches_nothing(self):
        self.change('devstack/lib/v', FILES['devstack/lib/v'].replace(
            'install_package x', 'install_package y'))
        e = self.assertRaises(LocalDevstackError, self.refresh)
        self.assertIn('virtiofs_scaphandre_stack_install (runs in '
                      'stack:install)', str(e))
        self.assertIn('up --stack', str(e))
        self.assertEqual([], self.inner())

    def test_changed_local_conf_needs_stack(self):
        self.cloud.render_all = lambda: confs(**{
            'lds-subnode': '[[local|localrc]]\nB=2\n'})
        self.change('virtiofs_scaphandre_tempest_plugin/plugin.py', 'x=2\n')
        e = self.assertRaises(LocalDevstackError, self.refresh)
        self.assertIn('local.conf of lds-subnode (the Zuul job or the '
                      'settings changed: B: 1 -> 2)', str(e))

    def test_local_conf_in_another_order_is_no_change(self):
        # A snapshot restored from before the renderer wrote devstack's
        # role format holds the same settings in another order.
        self.cloud.render_all = lambda: confs(**{
            'lds-controller': '[[local|localrc]]\nA=1\n\n'})
        self.change('virtiofs_scaphandre_tempest_plugin/plugin.py', 'x=2\n')
        self.refresh()
        self.assertIn('local.conf of lds-controller: the same settings in '
                      'another order', self.runner.logs)

    def test_both_nodes_are_worked_on_at_once(self):
        started = []
        both = threading.Barrier(2, timeout=10)

        def reapply(node):
            started.append(node.name)
            # Each waits for the other: only a parallel run gets past.
            both.wait()
        refresher = refresh.Refresher(self.cloud)
        refresher.reapply_series = reapply
        refresh.on_each(refresher.reapply_series, self.cloud.nodes)
        self.assertEqual(['lds-controller', 'lds-subnode'], sorted(started))

    def test_a_failure_on_one_node_is_raised(self):
        def fail_on_subnode(node):
            if node.name == 'lds-subnode':
                raise LocalDevstackError('subnode: no nova')
        e = self.assertRaises(LocalDevstackError, refresh.on_each,
                              fail_on_subnode, self.cloud.nodes)
        self.assertIn('subnode: no nova', str(e))

    def test_tempest_plugin_reinstalled_on_the_controller_only(self):
        self.change('virtiofs_scaphandre_tempest_plugin/plugin.py', 'x=2\n')
        done = self.refresh()
        pips = [c for c in self.inner() if c and c[0] == refresh.TEMPEST_PIP]
        self.assertEqual(1, len(pips))
        self.assertIn('--no-deps', pips[0])
        self.assertNotIn(['systemctl', 'stop', '--no-block',
                          'devstack@n-*'], self.inner())
        self.assertIn("tempest plugin reinstalled in tempest's venv on "
                      "lds-controller", done)

    def test_series_touching_nova_requirements_needs_stack(self):
        self.change('nova_patches/0001-a.patch',
                    'diff --git a/requirements.txt b/requirements.txt\n')
        e = self.assertRaises(LocalDevstackError, self.refresh)
        self.assertIn("0001-a.patch changes nova's requirements.txt",
                      str(e))

    def tearDown(self):
        shutil.rmtree(self.top, ignore_errors=True)
        super(RefreshFixture, self).tearDown()
