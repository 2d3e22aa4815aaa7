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

"""The cloud's life: up (from a snapshot or stack.sh), test, down."""

import glob
import json
import os
import re
import shutil
import time

from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import playbook
from virtiofs_scaphandre.local_devstack import restore
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import stacking
from virtiofs_scaphandre.local_devstack.stacking import CONTROLLER
from virtiofs_scaphandre.local_devstack.stacking import SUBNODE
from virtiofs_scaphandre import zuul_jobs

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TEMPEST_DIR = ctr.STACK_HOME + '/tempest'


class Cloud(object):

    def __init__(self, settings, runner, top_dir=TOP_DIR, checks=True):
        self.s = settings
        self.runner = runner
        self.top_dir = top_dir
        self.checks = checks
        self.host = host.HostChanges(settings, runner)
        self.controller = ctr.Container(settings, runner, CONTROLLER, 0)
        self.subnode = ctr.Container(settings, runner, SUBNODE, 1)
        self.stacker = stacking.Stacker(self)
        self.snapshots = restore.Restorer(self)
        self.timings = []
        self.started = time.monotonic()

    @property
    def nodes(self):
        if self.s.subnode:
            return [self.controller, self.subnode]
        return [self.controller]

    def all_nodes(self):
        return [self.controller, self.subnode]

    def timed(self, label, func, *args):
        start = time.monotonic()
        result = func(*args)
        elapsed = time.monotonic() - start
        self.timings.append((label, elapsed))
        self.runner.log('%s: %.0f s' % (label, elapsed))
        return result

    # -- checks ----------------------------------------------------------
    def preflight(self):
        host.check_root()
        host.check_namespaces()
        host.check_memory(self.s.min_memory_mb, self.s.hugepages)
        host.check_disk(self.s.state_dir, self.s.min_disk_gb)
        self.check_sources()
        for node in self.all_nodes():
            pid = node.foreign_nspawn()
            if pid:
                raise LocalDevstackError(
                    'stale container: systemd-nspawn pid %d uses %s; stop '
                    'it (kill %d) then run again' % (pid, node.rootfs, pid))
            if node.clear_stale():
                self.runner.log('forgot stale container %s (its processes '
                                'are gone)' % node.name)
        if any(n.running() for n in self.all_nodes()):
            raise LocalDevstackError(
                'the cloud is already up: run "local-devstack test", or '
                '"local-devstack down" first')

    def check_sources(self):
        s = self.s
        repo = s.devstack_repo
        if '://' not in repo and not os.path.isdir(repo):
            raise LocalDevstackError(
                'devstack_repo %s is neither a URL nor a directory' % repo)
        if s.uses_mirror:
            needed = ['nova', 'keystone', 'glance', 'neutron', 'placement',
                      'requirements', 'tempest']
            absent = [r for r in needed if not os.path.isdir(os.path.join(
                s.mirror_dir, 'openstack', r + '.git'))]
            if absent:
                raise LocalDevstackError(
                    'git_base = mirror but %s/openstack lacks %s: run '
                    '"local-devstack mirror" first' % (
                        s.mirror_dir, ', '.join(absent)))
        for name in ('upper_constraints', 'image'):
            path = getattr(s, name)
            if path and not os.path.isfile(path):
                raise LocalDevstackError('%s %s does not exist' % (
                    name, path))

    # -- up --------------------------------------------------------------
    def render_all(self):
        confs = {}
        for node in self.nodes:
            role = 'controller' if node is self.controller else 'subnode'
            values = localconf.node_settings(
                self.s, role, node, self.controller,
                wiring=bool(self.s.local_conf))
            confs[node.name] = localconf.render(
                self.s, self.runner, role, values, self.top_dir)
        return confs

    def up(self, keep_on_failure=False, snapshot='auto'):
        """snapshot: 'auto' (a matching one), 'never', or a snapshot id."""
        self.started = time.monotonic()
        if self.checks:
            self.preflight()
        # Render before touching the host: a bad job fails fast.
        confs = self.render_all()
        by_playbook = self.s.provision == 'playbook'
        if by_playbook:
            stacker = playbook.PlaybookStacker(self.stacker)
            stacker.check()
            chosen = None
        else:
            chosen = self.snapshots.choose(confs, snapshot)
        if self.host.entries():
            self.runner.log('undoing host changes left by an unfinished '
                            'run')
            self.host.undo_all()
        try:
            self.timed('host changes', self.host.apply_all)
            if chosen and not self.snapshots.restore_or_explain(chosen):
                chosen = None
            if by_playbook:
                stacker.stack_all()
            elif not chosen:
                self.stacker.stack_all(confs)
                if self.s.snapshots and snapshot != 'never':
                    self.timed('snapshot and restore', self.snapshots.take,
                               confs)
        except (Exception, KeyboardInterrupt) as e:
            if keep_on_failure:
                self.runner.log('kept running for inspection (--keep-on-'
                                'failure); "local-devstack down" undoes it')
                raise
            self.runner.log('up failed; stopping containers and undoing '
                            'host changes')
            self.down(quiet=True)
            if isinstance(e, KeyboardInterrupt):
                raise LocalDevstackError('interrupted; host restored')
            if not isinstance(e, LocalDevstackError):
                raise LocalDevstackError('%s: %s (host restored)' % (
                    type(e).__name__, e))
            raise
        self.print_timings()

    def print_timings(self):
        # Wall time: the two nodes' stack.sh runs overlap.
        total = time.monotonic() - self.started
        for label, t in self.timings:
            print('%-32s %6.0f s' % (label, t))
        print('%-32s %6.0f s' % ('total', total))

    # -- test ------------------------------------------------------------
    def require_up(self):
        host.check_root()
        if not self.controller.running():
            raise LocalDevstackError('the cloud is not up: run '
                                     '"local-devstack up" first')
        self.host.ensure_hugepages()

    def job_concurrency(self):
        """The job's tempest_concurrency (1 for a hand-written local.conf)."""
        if self.s.local_conf:
            return 1
        try:
            return int(json.loads(zuul_jobs.show(
                os.path.join(self.top_dir, 'zuul.d'), self.s.job_name,
                'controller', 'tempest_concurrency')))
        except (zuul_jobs.RenderError, TypeError, ValueError):
            return 1

    def test(self, regex=None, concurrency=None):
        """Run tempest; concurrency defaults to the job's."""
        self.require_up()
        concurrency = concurrency or self.job_concurrency()
        print('tempest: concurrency %d' % concurrency)
        tempest = TEMPEST_DIR + '/.tox/tempest/bin/tempest'
        if not os.path.exists(self.controller.path(tempest)):
            raise LocalDevstackError(
                'no tempest venv at %s in %s: was tempest enabled in '
                'local.conf?' % (tempest, CONTROLLER))
        log = os.path.join(self.s.logs_dir, 'tempest.log')
        if os.path.exists(log):
            os.remove(log)
        argv = self.controller.enter(
            [tempest, 'run', '--regex', regex or self.s.test_regex,
             '--concurrency', str(concurrency)],
            user=ctr.STACK_USER, cwd=TEMPEST_DIR)
        start = time.monotonic()
        rc, _ = self.runner.run(argv, check=False, stdout_path=log,
                                timeout=self.s.test_timeout)
        summary = tempest_summary(self.runner.read_file(log))
        print(summary['text'] or '(no tempest summary; see %s)' % log)
        print('tempest: %d passed, %d failed, %d skipped in %.0f s; log %s'
              % (summary['passed'], summary['failed'], summary['skipped'],
                 time.monotonic() - start, log))
        if summary['failed'] or rc != 0 and summary['passed']:
            raise LocalDevstackError('tempest run failed (exit %d); see %s'
                                     % (rc, log))
        if not summary['passed']:
            raise LocalDevstackError(
                'no test passed (%d skipped; skip reasons in %s)' % (
                    summary['skipped'], log))

    # -- down / destroy --------------------------------------------------
    def down(self, quiet=False):
        host.check_root()
        restored = self.host.overlays()
        for node in reversed(self.all_nodes()):
            if node.running():
                if node.rootfs in restored:
                    # Its writes are thrown away with the overlay.
                    self.runner.log('stopping the services of %s' %
                                    node.name)
                    self.snapshots.stop_services(node)
                elif node.stacked():
                    self.unstack(node)
                self.runner.log('stopping %s' % node.name)
                restore.stop_node(node, self.runner.log)
            elif node.clear_stale() and not quiet:
                self.runner.log('forgot stale container %s' % node.name)
        self.host.undo_all()

    def unstack(self, node):
        self.runner.log('unstack.sh on %s' % node.name)
        try:
            self.runner.run(
                node.enter(['./unstack.sh'], user=ctr.STACK_USER,
                           cwd=stacking.DEVSTACK_DIR),
                check=False, timeout=600,
                stdout_path=os.path.join(self.s.logs_dir,
                                         '%s-unstack.log' % node.name))
        except LocalDevstackError as e:
            self.runner.log('%s; stopping anyway' % e)

    def destroy(self):
        self.down()
        s = self.s
        removed = []
        for path in ([n.rootfs for n in self.all_nodes()] +
                     [n.rootfs + '.partial' for n in self.all_nodes()] +
                     glob.glob(os.path.join(s.machines_dir, '.base*')) +
                     [s.mirror_dir, os.path.join(s.state_dir, 'sdists'),
                      os.path.join(s.state_dir, 'ssh'),
                      os.path.join(s.state_dir, 'run'),
                      os.path.join(s.state_dir, 'hugepages'),
                      os.path.join(s.state_dir, 'overlays'),
                      s.logs_dir]):
            if os.path.lexists(path):
                shutil.rmtree(path)
                removed.append(path)
        removed += self.snapshots.remove_all()
        for path in (s.machines_dir, s.state_dir):
            if os.path.isdir(path) and not os.listdir(path):
                os.rmdir(path)
                removed.append(path)
        for path in removed:
            print('removed %s' % path)

    def status(self):
        restored = self.host.overlays()
        for node in self.all_nodes():
            state = 'running' if node.running() else 'stopped'
            if not os.path.isdir(node.rootfs):
                state = 'absent'
            origin = ''
            if node.rootfs in restored:
                origin = ' (from snapshot %s)' % os.path.basename(
                    os.path.dirname(restored[node.rootfs]))
            print('%-16s %-8s %-15s %s%s' % (node.name, state, node.address,
                                             node.rootfs, origin))
        for e in self.host.entries():
            print('host change: %s' % ', '.join(
                '%s=%s' % kv for kv in sorted(e.items())))


TOTALS = re.compile(r'^\s*-\s*(Passed|Failed|Skipped):\s*(\d+)', re.M)


def tempest_summary(text):
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    for word, number in TOTALS.findall(text):
        counts[word.lower()] = int(number)
    start = text.rfind('======\nTotals')
    counts['text'] = text[start:].strip() if start >= 0 else ''
    return counts
