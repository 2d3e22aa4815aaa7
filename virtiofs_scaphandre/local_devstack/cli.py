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

"""local-devstack: a local developer cloud in systemd-nspawn containers.

  local-devstack up        boot the containers, run stack.sh on each node
  local-devstack test      run this project's tempest plugin on the cloud
  local-devstack down      unstack, stop the containers, undo host changes
  local-devstack destroy   remove everything local-devstack made
  local-devstack mirror    local git mirrors from PyPI sdists (offline)
  local-devstack status    what is running and which host changes are live
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import mirror
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import settings as settings_mod

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CONTROLLER = 'lds-controller'
SUBNODE = 'lds-subnode'
DEVSTACK_DIR = ctr.STACK_HOME + '/devstack'
TEMPEST_DIR = ctr.STACK_HOME + '/tempest'
COMPUTE_KEY_SETTING = 'VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY'
WAIT_PLUGIN_NAME = 'lds-wait-for-controller'
WAIT_PLUGIN_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               'files', 'wait-for-controller')
WAIT_PLUGIN_DEST = '/opt/stack/local-devstack/wait-for-controller'
# Read by the wait-for-controller plugin (its default path).
CONTROLLER_GATE = '/opt/stack/local-devstack/controller-gate'
ERROR_LINE = re.compile(r'(\[ERROR\]|^ERROR|Error on exit|[Ee]rror:|'
                        r'Traceback|die \d+)')


class App(object):

    def __init__(self, settings, runner, top_dir=TOP_DIR, checks=True):
        self.s = settings
        self.runner = runner
        self.top_dir = top_dir
        self.checks = checks
        self.host = host.HostChanges(settings, runner)
        self.controller = ctr.Container(settings, runner, CONTROLLER, 0)
        self.subnode = ctr.Container(settings, runner, SUBNODE, 1)
        self.timings = []

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

    def up(self, keep_on_failure=False):
        self.started = time.monotonic()
        if self.checks:
            self.preflight()
        # Render before touching the host: a bad job fails fast.
        confs = self.render_all()
        if self.host.entries():
            self.runner.log('undoing host changes left by an unfinished '
                            'run')
            self.host.undo_all()
        try:
            self.timed('host changes', self.host.apply_all)
            base = self.timed('base root filesystem', ctr.make_base_rootfs,
                              self.s, self.runner,
                              os.path.join(self.s.logs_dir,
                                           'debootstrap.log'))
            for node in self.nodes:
                self.timed('prepare %s' % node.name, self.prepare_node,
                           node, base, confs[node.name])
            for node in self.nodes:
                self.timed('boot %s' % node.name, node.boot,
                           self.host.hugetlbfs_path())
            if self.s.subnode:
                self.timed('stack.sh, both nodes', self.stack_both)
                self.timed('discover hosts', self.discover_hosts)
            else:
                self.timed('stack.sh %s' % CONTROLLER, self.stack,
                           self.controller)
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

    def prepare_node(self, node, base, conf):
        node.provision(base, self.nodes)
        uid, gid = node.stack_ids()
        devstack = node.path(DEVSTACK_DIR)
        if not os.path.isdir(os.path.join(devstack, '.git')):
            self.runner.run(['git', 'clone', '-q', '--no-checkout',
                             self.s.devstack_repo, devstack])
            self.runner.run(['git', '-C', devstack, 'checkout', '-q',
                             self.s.devstack_branch])
        self.copy_plugin(node)
        if self.s.uses_mirror:
            # devstack does not update an existing clone; the mirror's
            # requirements (the pins) may have changed since the last up.
            shutil.rmtree(node.path(ctr.STACK_HOME + '/requirements'),
                          ignore_errors=True)
        if node is self.subnode:
            conf = self.add_wait_for_controller(node, conf)
        self.runner.write_file(os.path.join(devstack, 'local.conf'), conf)
        if self.s.upper_constraints:
            dest = node.path(localconf.UPPER_CONSTRAINTS_DEST)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(self.s.upper_constraints, dest)
        if self.s.image:
            dest = node.path(localconf.IMAGE_DIR)
            os.makedirs(dest, exist_ok=True)
            shutil.copy(self.s.image, dest)
        self.install_ssh_trust(node)
        self.install_compute_key(node, conf)
        os.makedirs(node.path(ctr.STACK_HOME + '/logs'), exist_ok=True)
        self.runner.run(['chown', '-R', '%d:%d' % (uid, gid),
                         node.path(ctr.STACK_HOME)])

    def copy_plugin(self, node):
        """This working tree, uncommitted changes included, as a repo."""
        rc, out = self.runner.run(
            ['git', '-C', self.top_dir, 'ls-files', '-co',
             '--exclude-standard', '-z'], check=False, capture=True)
        if rc != 0:
            raise LocalDevstackError('%s is not a git working tree' %
                                     self.top_dir)
        self.make_repo(self.top_dir, filter(None, out.split('\0')),
                       node.path(localconf.PLUGIN_DEST))

    def make_repo(self, src_dir, relative_paths, dest):
        """A one-commit git repo at dest of these files of src_dir."""
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        for rel in relative_paths:
            src = os.path.join(src_dir, rel)
            if not os.path.isfile(src):
                continue
            os.makedirs(os.path.dirname(os.path.join(dest, rel)),
                        exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))
        git = ['git', '-C', dest, '-c', 'user.name=local-devstack',
               '-c', 'user.email=local-devstack@localhost']
        self.runner.run(git + ['init', '-q'])
        self.runner.run(git + ['add', '-A'])
        self.runner.run(git + ['commit', '-q', '-m', 'Copy of %s' % src_dir])

    def add_wait_for_controller(self, node, conf):
        """The subnode's plugin that holds its services for the controller."""
        self.make_repo(WAIT_PLUGIN_SRC, ['devstack/plugin.sh'],
                       node.path(WAIT_PLUGIN_DEST))
        gate = node.path(CONTROLLER_GATE)
        if os.path.exists(gate):
            os.remove(gate)
        return localconf.add_localrc_lines(conf, [
            'enable_plugin %s file://%s' % (WAIT_PLUGIN_NAME,
                                            WAIT_PLUGIN_DEST)])

    @property
    def ssh_key(self):
        """The key every node's root and stack users use and trust."""
        return os.path.join(self.s.state_dir, 'ssh', 'id_ed25519')

    def install_ssh_trust(self, node):
        """Live migration: libvirtd (root) connects to stack@peer."""
        key = self.ssh_key
        if not os.path.exists(key):
            os.makedirs(os.path.dirname(key), exist_ok=True)
            self.runner.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '',
                             '-C', 'local-devstack', '-f', key])
        pub = self.runner.read_file(key + '.pub')
        private = self.runner.read_file(key)
        peers = ' '.join(
            sorted({n.name for n in self.nodes} |
                   {n.address for n in self.nodes}))
        config = ('Host %s\n  StrictHostKeyChecking no\n'
                  '  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n' %
                  peers)
        for home in ('/root', ctr.STACK_HOME):
            ssh = node.path(home + '/.ssh')
            self.runner.write_file(os.path.join(ssh, 'id_ed25519'),
                                   private, 0o600)
            self.runner.write_file(os.path.join(ssh, 'authorized_keys'),
                                   pub, 0o600)
            self.runner.write_file(os.path.join(ssh, 'config'), config)
            os.chmod(ssh, 0o700)

    def install_compute_key(self, node, conf):
        """The key the tempest plugin uses to SSH to the computes.

        The job names a path (VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY) that
        its pre-run playbook fills in the gate; here it is the key the
        stack user of every node already trusts (install_ssh_trust).
        """
        path = localconf.localrc_value(conf, COMPUTE_KEY_SETTING)
        if not path:
            return
        if not path.startswith('/'):
            raise LocalDevstackError('%s=%s: an absolute path is needed' % (
                COMPUTE_KEY_SETTING, path))
        dest = node.path(path)
        self.runner.write_file(dest, self.runner.read_file(self.ssh_key),
                               0o600)
        uid, gid = node.stack_ids()
        # tempest runs as the stack user here: it owns the key, its
        # directory and the home made for it (/home/tempest in the job).
        key_dir = os.path.dirname(path)
        owned = [key_dir, path]
        if os.path.dirname(os.path.dirname(key_dir)) == '/home':
            owned.insert(0, os.path.dirname(key_dir))
        for inner in owned:
            os.chown(node.path(inner), uid, gid)
        os.chmod(node.path(key_dir), 0o700)

    def stack(self, node):
        log = os.path.join(self.s.logs_dir, '%s-stack.log' % node.name)
        if os.path.exists(log):
            os.rename(log, log + '.previous')
        self.runner.log('stack.sh on %s (log: %s)' % (node.name, log))
        try:
            rc, _ = self.runner.run(
                node.enter(['./stack.sh'], user=ctr.STACK_USER,
                           cwd=DEVSTACK_DIR),
                check=False, stdout_path=log, timeout=self.s.stack_timeout)
        except LocalDevstackError as e:
            raise LocalDevstackError('stack.sh on %s: %s\n%s' % (
                node.name, e, failure_excerpt(log)))
        if rc != 0:
            raise LocalDevstackError(
                'stack.sh failed on %s (exit %d)\n%s' % (
                    node.name, rc, failure_excerpt(log)))

    def stack_both(self):
        """stack.sh on both nodes at once; the subnode's services wait.

        The subnode installs its packages while the controller stacks,
        then waits in its post-config phase (the wait-for-controller
        plugin) until the gate file says how the controller ended.
        """
        gate = self.subnode.path(CONTROLLER_GATE)
        errors = {}

        def stack_subnode():
            try:
                self.timed('stack.sh %s' % SUBNODE, self.stack, self.subnode)
            except (Exception, KeyboardInterrupt) as e:
                errors[SUBNODE] = e

        subnode_thread = threading.Thread(target=stack_subnode, daemon=True)
        subnode_thread.start()
        result = 'failed'
        try:
            self.timed('stack.sh %s' % CONTROLLER, self.stack,
                       self.controller)
            self.controller.wire_tunnel_bridge()
            result = 'stacked'
        finally:
            self.runner.write_file(gate, result + '\n')
            # After a failure too: the subnode gives up at its gate, and
            # down() must find no stack.sh running.
            subnode_thread.join(self.s.stack_timeout)
        if subnode_thread.is_alive():
            raise LocalDevstackError('stack.sh on %s did not end in %ds' % (
                SUBNODE, self.s.stack_timeout))
        if SUBNODE in errors:
            error = errors[SUBNODE]
            if isinstance(error, LocalDevstackError):
                raise error
            raise LocalDevstackError('stack.sh on %s: %s: %s' % (
                SUBNODE, type(error).__name__, error))
        self.subnode.wire_tunnel_bridge()

    def discover_hosts(self):
        self.runner.run(self.controller.enter(
            ['./tools/discover_hosts.sh'], user=ctr.STACK_USER,
            cwd=DEVSTACK_DIR), capture=True, timeout=600)

    def print_timings(self):
        # Wall time: the two nodes' stack.sh runs overlap.
        total = time.monotonic() - self.started
        for label, t in self.timings:
            print('%-32s %6.0f s' % (label, t))
        print('%-32s %6.0f s' % ('total', total))

    # -- test ------------------------------------------------------------
    def test(self, regex=None, concurrency=1):
        host.check_root()
        if not self.controller.running():
            raise LocalDevstackError('the cloud is not up: run '
                                     '"local-devstack up" first')
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
        for node in reversed(self.all_nodes()):
            if node.running():
                if node.stacked():
                    self.runner.log('unstack.sh on %s' % node.name)
                    try:
                        self.runner.run(
                            node.enter(['./unstack.sh'],
                                       user=ctr.STACK_USER,
                                       cwd=DEVSTACK_DIR),
                            check=False, timeout=600,
                            stdout_path=os.path.join(
                                self.s.logs_dir,
                                '%s-unstack.log' % node.name))
                    except LocalDevstackError as e:
                        self.runner.log('%s; stopping anyway' % e)
                self.runner.log('stopping %s' % node.name)
                node.stop()
            elif node.clear_stale() and not quiet:
                self.runner.log('forgot stale container %s' % node.name)
        self.host.undo_all()

    def destroy(self):
        self.down()
        s = self.s
        removed = []
        for path in ([n.rootfs for n in self.all_nodes()] +
                     [n.rootfs + '.partial' for n in self.all_nodes()] +
                     [os.path.join(s.machines_dir, '.base'),
                      os.path.join(s.machines_dir, '.base.partial'),
                      s.mirror_dir, os.path.join(s.state_dir, 'sdists'),
                      os.path.join(s.state_dir, 'ssh'),
                      os.path.join(s.state_dir, 'run'),
                      os.path.join(s.state_dir, 'hugepages'),
                      s.logs_dir]):
            if os.path.lexists(path):
                shutil.rmtree(path)
                removed.append(path)
        for path in (s.machines_dir, s.state_dir):
            if os.path.isdir(path) and not os.listdir(path):
                os.rmdir(path)
                removed.append(path)
        for path in removed:
            print('removed %s' % path)

    def status(self):
        for node in self.all_nodes():
            state = 'running' if node.running() else 'stopped'
            if not os.path.isdir(node.rootfs):
                state = 'absent'
            print('%-16s %-8s %-15s %s' % (node.name, state, node.address,
                                           node.rootfs))
        for e in self.host.entries():
            print('host change: %s' % ', '.join(
                '%s=%s' % kv for kv in sorted(e.items())))


def failure_excerpt(log, lines=25):
    """The failing step (first error line) and the log's tail."""
    try:
        with open(log, errors='replace') as f:
            text = f.read().splitlines()
    except OSError:
        return 'no log at %s' % log
    # devstack's exit trap prints "Error on exit" after the real error;
    # earlier error lines are often harmless probes.
    errors = [line for line in text if ERROR_LINE.search(line) and
              'Error on exit' not in line and 'exit_trap' not in line]
    parts = []
    if errors:
        parts.append('failing step: %s' % errors[-1].strip())
    parts.append('last %d lines of %s:' % (lines, log))
    parts += ['  ' + line for line in text[-lines:]]
    return '\n'.join(parts)


TOTALS = re.compile(r'^\s*-\s*(Passed|Failed|Skipped):\s*(\d+)', re.M)


def tempest_summary(text):
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    for word, number in TOTALS.findall(text):
        counts[word.lower()] = int(number)
    start = text.rfind('======\nTotals')
    counts['text'] = text[start:].strip() if start >= 0 else ''
    return counts


def build_parser():
    parser = argparse.ArgumentParser(
        prog='local-devstack',
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='settings (config file [local-devstack] section, '
               'LOCAL_DEVSTACK_<NAME> variables, or --set NAME=VALUE):\n' +
               settings_mod.describe())
    parser.add_argument('--config', help='config file (default %s)' %
                        settings_mod.DEFAULT_CONFIG)
    parser.add_argument('--set', action='append', default=[],
                        metavar='NAME=VALUE', dest='overrides',
                        help='override one setting')
    parser.add_argument('-v', '--verbose', action='store_true',
                        help='print every host command')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    up = sub.add_parser('up', help='boot the containers and run stack.sh')
    up.add_argument('--no-subnode', action='store_true',
                    help='controller only')
    up.add_argument('--no-plugin', action='store_true',
                    help="do not enable this project's devstack plugin")
    up.add_argument('--keep-on-failure', action='store_true',
                    help='leave a failed cloud running for inspection')
    test = sub.add_parser('test', help="run this project's tempest tests")
    test.add_argument('--regex', help='tempest test regex')
    test.add_argument('--concurrency', type=int, default=1)
    sub.add_parser('down', help='unstack, stop, undo host changes')
    sub.add_parser('destroy', help='remove everything local-devstack made')
    sub.add_parser('status', help='containers and live host changes')
    mir = sub.add_parser('mirror', help='build local git mirrors')
    mir.add_argument('--series', default='2026.2')
    mir.add_argument('--version', action='append', default=[],
                     metavar='REPO=VERSION', help='override a release')
    mir.add_argument('--git', action='append', default=[],
                     metavar='REPO=PATH[@REF]',
                     help='mirror REPO from a local git repository')
    mir.add_argument('--sdist-dir', help='use sdists already downloaded '
                     'here instead of PyPI')
    mir.add_argument('--constraints', metavar='FILE',
                     help='pins (NAME===VERSION) committed onto the '
                     "requirements mirror's upper-constraints.txt")
    mir.add_argument('--only', action='append', default=[],
                     metavar='REPO', help='build only these mirrors')
    return parser


def parse_overrides(items):
    overrides = {}
    for item in items:
        name, sep, value = item.partition('=')
        if not sep:
            raise LocalDevstackError('--set %r: expected NAME=VALUE' % item)
        overrides[name.strip()] = value
    return overrides


def _interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def main(argv=None, runner=None, environ=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if runner is None:
        # A terminated up still undoes its host changes.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        overrides = parse_overrides(args.overrides)
        if args.command == 'up':
            if args.no_subnode:
                overrides['subnode'] = 'false'
            if args.no_plugin:
                overrides['plugin'] = 'false'
        s = settings_mod.load(args.config, environ, overrides)
        runner = runner or Runner(verbose=args.verbose)
        app = App(s, runner)
        if args.command == 'up':
            app.up(keep_on_failure=args.keep_on_failure)
        elif args.command == 'test':
            app.test(args.regex, args.concurrency)
        elif args.command == 'down':
            app.down()
        elif args.command == 'destroy':
            app.destroy()
        elif args.command == 'status':
            app.status()
        elif args.command == 'mirror':
            result = mirror.build(s, runner, TOP_DIR, args.series,
                                  args.version, args.git, args.sdist_dir,
                                  args.only, constraints=args.constraints)
            for repo, what in sorted(result.items()):
                print('%-16s %s %s' % (repo, what, os.path.join(
                    s.mirror_dir, 'openstack', repo + '.git')))
    except LocalDevstackError as e:
        print('local-devstack %s: error: %s' % (args.command, e),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('local-devstack %s: interrupted' % args.command,
              file=sys.stderr)
        return 130
    except (subprocess.SubprocessError, OSError) as e:
        print('local-devstack %s: error: %s' % (args.command, e),
              file=sys.stderr)
        return 1
    return 0
