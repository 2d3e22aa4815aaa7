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

"""refresh: the working tree, live in the running cloud, without stack.sh.

The tree copied into the nodes (/opt/stack/virtiofs-scaphandre) is
compared with the working tree; changes.plan says what each changed file
needs. Anything that needs a full stack.sh (a changed local.conf, an
install step of the devstack plugin, a nova series that changes nova's
requirements or database) stops refresh before any node is touched.
"""

import concurrent.futures
import hashlib
import json
import os
import re
import time

from virtiofs_scaphandre.local_devstack import changes
from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import nodestate
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import stacking

NOVA_DIR = '/opt/stack/nova'
TEMPEST_PIP = '/opt/stack/tempest/.tox/tempest/bin/pip'
STEPS_SRC = os.path.join(stacking.FILES_DIR, 'plugin-steps')
STEPS_DEST = '/opt/stack/local-devstack/plugin-steps'
# The tree the services ran, kept while a refresh makes a new one live.
PENDING = '/opt/stack/local-devstack/refresh-pending.json'
NOVA_CPU_CONF = '/etc/nova/nova-cpu.conf'
# Paths of nova a series may not touch without a full stack.sh.
NOVA_INSTALL_PATHS = re.compile(
    r'^diff --git a/(setup\.cfg|requirements\.txt|'
    r'nova/db/\S*/migrations/\S+) ', re.M)
PHASE_UNITS = {'stack:extra': 'devstack@scaphandre-*'}


def _digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digests(top, paths):
    return {p: _digest(os.path.join(top, p)) for p in paths}


def copied_tree(runner, top):
    """{relative path: digest} of a tree copy made by make_repo.

    Only the files its commit holds: installing the tempest plugin from
    it leaves pbr's outputs (AUTHORS, ChangeLog, build/) beside them.
    """
    # The copy belongs to the nodes' stack user.
    _, out = runner.run(['git', '-c', 'safe.directory=*', '-C', top,
                         'ls-files', '-z'], capture=True)
    found = {}
    for path in filter(None, (out or '').split('\0')):
        if os.path.isfile(os.path.join(top, path)):
            found[path] = _digest(os.path.join(top, path))
    return found


def on_each(func, nodes):
    """func(node) on every node at once; the first failure is raised.

    The nodes are separate machines: copying the tree and re-applying the
    series on one does not wait for the other.
    """
    with concurrent.futures.ThreadPoolExecutor(len(nodes)) as pool:
        for future in [pool.submit(func, node) for node in nodes]:
            future.result()


def _reader(top):
    def read(path):
        full = os.path.join(top, path)
        if not os.path.isfile(full):
            return ''
        with open(full, errors='replace') as f:
            return f.read()
    return read


class Refresher(object):

    def __init__(self, cloud):
        self.cloud = cloud
        self.s = cloud.s
        self.runner = cloud.runner
        self.done = []

    def say(self, text):
        self.done.append(text)
        self.runner.log(text)

    def running_tree(self):
        """(digests, reader) of the tree the nodes' services run.

        The nodes' copy; but when a refresh failed after it copied the
        tree in, what it had not made live yet, recorded as pending.
        """
        pending = self.cloud.controller.path(PENDING)
        if os.path.exists(pending):
            with open(pending) as f:
                state = json.load(f)
            self.runner.log('an earlier refresh did not finish: planning '
                            'from the tree the nodes ran before it')
            return state['digests'], lambda p: state['texts'].get(p, '')
        copy = self.cloud.controller.path(localconf.PLUGIN_DEST)
        old = copied_tree(self.runner, copy) if os.path.isdir(
            copy) else {}
        return old, _reader(copy)

    def record_pending(self):
        """Keep what the nodes ran, before the copy changes under it."""
        state = {'digests': self.old_digests, 'texts': {
            p: self.old_text(p) for p in self.old_digests
            if changes.is_plugin_shell(p)}}
        self.runner.write_file(self.cloud.controller.path(PENDING),
                               json.dumps(state))

    def changed_paths(self):
        """(changed paths, all paths) between the nodes and the tree."""
        old, self.old_text = self.running_tree()
        self.old_digests = old
        paths = stacking.tree_files(self.runner, self.cloud.top_dir)
        new = tree_digests(self.cloud.top_dir, paths)
        changed = sorted(p for p in set(old) | set(new)
                         if old.get(p) != new.get(p))
        return changed, sorted(set(old) | set(new))

    def plan(self):
        changed, every = self.changed_paths()
        result = changes.plan(changed, every, self.old_text,
                              _reader(self.cloud.top_dir))
        result.needs_stack += self.local_conf_changes()
        if result.nova:
            result.needs_stack += self.nova_install_changes()
            result.needs_stack += [
                why for why in map(self.nova_not_at_base, self.cloud.nodes)
                if why]
        if 'requirements.txt' in result.tempest_plugin:
            result.needs_stack.append(
                'requirements.txt (the tempest plugin needs new packages)')
        return result

    def local_conf_changes(self):
        confs = self.cloud.render_all()
        found = []
        for node in self.cloud.nodes:
            conf = confs[node.name]
            if node is self.cloud.subnode:
                conf = stacking.subnode_conf(conf)
            path = node.path(stacking.DEVSTACK_DIR + '/local.conf')
            current = self.runner.read_file(path) if os.path.exists(
                path) else ''
            if current == conf.text():
                continue
            settings = changes.conf_differences(current, conf.text())
            if settings:
                found.append('local.conf of %s (the Zuul job or the '
                             'settings changed: %s)' % (
                                 node.name, '; '.join(settings)))
            else:
                self.runner.log('local.conf of %s: the same settings in '
                                'another order' % node.name)
        return found

    def nova_install_changes(self):
        series_dir = os.path.join(self.cloud.top_dir, 'nova_patches')
        found = []
        for name in sorted(os.listdir(series_dir)):
            if name.endswith('.patch'):
                text = _reader(series_dir)(name)
                for path in NOVA_INSTALL_PATHS.findall(text):
                    found.append('nova_patches/%s changes nova\'s %s' % (
                        name, path))
        return found

    # -- the work ----------------------------------------------------------
    def refresh(self):
        self.cloud.require_up()
        started = time.monotonic()
        plan = self.plan()
        if plan.needs_stack:
            raise LocalDevstackError(
                'these changes need a full stack.sh, nothing was changed:\n'
                '  %s\nrun: local-devstack down && local-devstack up '
                '--stack' % '\n  '.join(plan.needs_stack))
        for path in plan.unused + plan.devstack_idle:
            self.runner.log('not used by the running cloud: %s' % path)
        if plan.empty:
            self.say('nothing to refresh: the nodes run this tree')
            return self.done
        # Until every step is done, the next refresh plans from the tree
        # the services ran, not from the copy that is already new.
        self.record_pending()
        self.make_live(plan)
        os.remove(self.cloud.controller.path(PENDING))
        self.say('refresh done in %.0f s' % (time.monotonic() - started))
        return self.done

    def make_live(self, plan):
        nodes = self.cloud.nodes
        on_each(self.push_tree, nodes)
        self.say('copied the working tree to %s' % ', '.join(
            n.name for n in nodes))
        if plan.nova:
            on_each(self.reapply_series, nodes)
            self.say('nova series re-applied to a clean nova %s on %s '
                     '(changed: %s)' % (self.nova_base(), ', '.join(
                         n.name for n in nodes), ', '.join(plan.nova)))
        if 'stack:post-config' in plan.phases:
            for node in nodes:
                self.run_phase(node, 'stack:post-config')
        if plan.nova or 'stack:post-config' in plan.phases:
            restarted = time.time()
            for node in nodes:
                self.restart(node, 'devstack@n-*')
            self.cloud.snapshots.check_health(since=restarted)
        if 'stack:extra' in plan.phases:
            for node in nodes:
                self.run_phase(node, 'stack:extra')
        if plan.exporters or 'stack:extra' in plan.phases:
            for node in nodes:
                self.restart(node, PHASE_UNITS['stack:extra'])
        if 'stack:test-config' in plan.phases:
            self.run_phase(self.cloud.controller, 'stack:test-config')
        elif plan.tempest_plugin:
            self.reinstall_tempest_plugin()

    def as_stack(self, node, argv, timeout=600):
        self.runner.run(node.enter(argv, user=ctr.STACK_USER, cwd='/'),
                        timeout=timeout, capture=True)

    def push_tree(self, node):
        self.cloud.stacker.copy_plugin(node)
        uid, gid = node.stack_ids()
        self.runner.run(['chown', '-R', '%d:%d' % (uid, gid),
                         node.path(localconf.PLUGIN_DEST)])

    def nova_base(self):
        return _reader(self.cloud.top_dir)('nova_patches/BASE').strip()

    def nova_not_at_base(self, node):
        """Why the series cannot be re-applied on node, or None."""
        base = self.nova_base()
        rc, out = self.runner.run(node.enter(
            ['git', '-C', NOVA_DIR, 'describe', '--tags', '--exact-match',
             'HEAD'], user=ctr.STACK_USER, cwd='/'), check=False,
            capture=True)
        if rc != 0 or (out or '').strip() != base:
            return ('%s: nova at %s is not the series base %s (a nova that '
                    'carries the feature in its commits): the series cannot '
                    'be re-applied; rebuild the mirror and run stack.sh' % (
                        node.name, (out or '?').strip() or '?', base))
        return None

    def reapply_series(self, node):
        why = self.nova_not_at_base(node)
        if why:
            raise LocalDevstackError(why)
        tool = localconf.PLUGIN_DEST + '/tools/nova-patches'
        # Tracked files back to the tag, the series' new files gone;
        # ignored files (nova.egg-info of the editable install) stay.
        self.as_stack(node, ['sh', '-c', 'cd "$1" && git checkout -q -f '
                             'HEAD -- . && git clean -q -fd && "$2" apply '
                             '"$1"', 'refresh', NOVA_DIR, tool])

    def run_phase(self, node, phase):
        read = _reader(self.cloud.top_dir)
        # The plugin's own functions that the phase calls (not devstack's
        # echo_summary and the like), whatever their names.
        ours = changes.plugin_functions({
            p: read(p) for p in stacking.tree_files(
                self.runner, self.cloud.top_dir)
            if changes.is_plugin_shell(p)})
        called = changes.phase_roots(read('devstack/plugin.sh'))
        steps = sorted(f for f in called.get(phase, ()) if f in ours)
        if not steps:
            raise LocalDevstackError('devstack/plugin.sh has no function '
                                     'for %s' % phase)
        if phase == 'stack:post-config' and os.path.exists(
                node.path(NOVA_CPU_CONF)):
            # stack.sh copies nova.conf into nova-cpu.conf after this
            # phase; here both files get the phase's settings.
            steps += ['NOVA_CONF=@NOVA_CPU_CONF'] + steps
        self.runner.write_file(node.path(STEPS_DEST),
                               self.runner.read_file(STEPS_SRC), 0o755)
        log = os.path.join(self.s.logs_dir, '%s-refresh.log' % node.name)
        rc, _ = self.runner.run(node.enter(
            [STEPS_DEST, stacking.DEVSTACK_DIR, localconf.PLUGIN_DEST] +
            steps, user=ctr.STACK_USER, cwd=stacking.DEVSTACK_DIR),
            check=False, stdout_path=log, timeout=900)
        if rc != 0:
            raise LocalDevstackError('%s on %s failed (exit %d)\n%s' % (
                phase, node.name, rc, stacking.failure_excerpt(log, 15)))
        self.say('%s of the devstack plugin re-run on %s' % (phase,
                                                             node.name))

    def restart(self, node, pattern):
        units = nodestate.restart_units(self.runner, node, pattern)
        self.say('restarted %s on %s: %s' % (
            pattern, node.name, ', '.join(
                u.replace('.service', '') for u in units) or 'none ran'))

    def reinstall_tempest_plugin(self):
        controller = self.cloud.controller
        self.as_stack(controller, [
            TEMPEST_PIP, 'install', '-q', '--no-deps',
            '--no-build-isolation', '--force-reinstall',
            localconf.PLUGIN_DEST])
        self.say("tempest plugin reinstalled in tempest's venv on %s" %
                 controller.name)
