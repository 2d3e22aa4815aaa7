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

"""Nodes made by stack.sh: their files, stack.sh on both, host discovery."""

import copy
import os
import re
import shutil
import threading

from virtiofs_scaphandre import devstack_role
from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import rootfs
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.zuul_jobs import RenderError

CONTROLLER = 'lds-controller'
SUBNODE = 'lds-subnode'
DEVSTACK_DIR = ctr.STACK_HOME + '/devstack'
COMPUTE_KEY_SETTING = 'VIRTIOFS_SCAPHANDRE_COMPUTE_SSH_KEY'
WAIT_PLUGIN_NAME = 'lds-wait-for-controller'
FILES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'files')
WAIT_PLUGIN_SRC = os.path.join(FILES_DIR, 'wait-for-controller')
WAIT_PLUGIN_DEST = '/opt/stack/local-devstack/wait-for-controller'
# Read by the wait-for-controller plugin (its default path).
CONTROLLER_GATE = '/opt/stack/local-devstack/controller-gate'
ERROR_LINE = re.compile(r'(\[ERROR\]|^ERROR|Error on exit|[Ee]rror:|'
                        r'Traceback|die \d+)')


class Stacker(object):
    """Prepares the nodes and runs stack.sh on them for a Cloud."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.s = cloud.s
        self.runner = cloud.runner

    @property
    def controller(self):
        return self.cloud.controller

    @property
    def subnode(self):
        return self.cloud.subnode

    @property
    def nodes(self):
        return self.cloud.nodes

    def timed(self, label, func, *args):
        return self.cloud.timed(label, func, *args)

    def stack_all(self, confs):
        """Fresh nodes from the base root filesystem, then stack.sh."""
        base = self.timed('base root filesystem', rootfs.make_base_rootfs,
                          self.s, self.runner,
                          os.path.join(self.s.logs_dir, 'debootstrap.log'))
        for node in self.nodes:
            self.timed('prepare %s' % node.name, self.prepare_node,
                       node, base, confs[node.name])
        for node in self.nodes:
            self.timed('boot %s' % node.name, node.boot,
                       self.cloud.host.hugetlbfs_path())
        if self.s.subnode:
            self.timed('stack.sh, both nodes', self.stack_both)
            self.timed('discover hosts', self.discover_hosts)
        else:
            self.timed('stack.sh %s' % CONTROLLER, self.stack,
                       self.controller)

    def prepare_node(self, node, base, conf):
        node.provision(base, self.nodes)
        uid, gid = node.stack_ids()
        devstack = self.clone_devstack(node)
        self.copy_plugin(node)
        if self.s.uses_mirror:
            # devstack does not update an existing clone; the mirror's
            # requirements (the pins) may have changed since the last up.
            shutil.rmtree(node.path(ctr.STACK_HOME + '/requirements'),
                          ignore_errors=True)
        if node is self.subnode:
            conf = self.add_wait_for_controller(node, conf)
        check_with_devstack(conf, devstack, node.name)
        self.runner.write_file(os.path.join(devstack, 'local.conf'),
                               conf.text())
        self.copy_offline_sources(node)
        self.install_ssh_trust(node)
        self.install_compute_key(node, conf)
        os.makedirs(node.path(ctr.STACK_HOME + '/logs'), exist_ok=True)
        self.runner.run(['chown', '-R', '%d:%d' % (uid, gid),
                         node.path(ctr.STACK_HOME)])

    def clone_devstack(self, node):
        devstack = node.path(DEVSTACK_DIR)
        if not os.path.isdir(os.path.join(devstack, '.git')):
            self.runner.run(['git', 'clone', '-q', '--no-checkout',
                             self.s.devstack_repo, devstack])
            self.runner.run(['git', '-C', devstack, 'checkout', '-q',
                             self.s.devstack_branch])
        return devstack

    def copy_offline_sources(self, node):
        """The constraints file and the guest image local.conf names."""
        if self.s.upper_constraints:
            dest = node.path(localconf.UPPER_CONSTRAINTS_DEST)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(self.s.upper_constraints, dest)
        if self.s.image:
            dest = node.path(localconf.IMAGE_DIR)
            os.makedirs(dest, exist_ok=True)
            shutil.copy(self.s.image, dest)

    def copy_plugin(self, node):
        """This working tree, uncommitted changes included, as a repo."""
        make_repo(self.runner, self.cloud.top_dir,
                  tree_files(self.runner, self.cloud.top_dir),
                  node.path(localconf.PLUGIN_DEST))

    def add_wait_for_controller(self, node, conf):
        """The subnode's plugin that holds its services for the controller."""
        make_repo(self.runner, WAIT_PLUGIN_SRC, ['devstack/plugin.sh'],
                  node.path(WAIT_PLUGIN_DEST))
        gate = node.path(CONTROLLER_GATE)
        if os.path.exists(gate):
            os.remove(gate)
        return subnode_conf(conf)

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
        path = conf.value(COMPUTE_KEY_SETTING)
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


def subnode_conf(conf):
    """The subnode's local.conf: the rendered one and the waiting plugin.

    A copy: the rendered one is what the snapshot key covers.
    """
    conf = copy.deepcopy(conf)
    conf.add_plugin(WAIT_PLUGIN_NAME, 'file://' + WAIT_PLUGIN_DEST)
    return conf


def check_with_devstack(conf, devstack_dir, label):
    """The node's local.conf is what devstack's own Zuul role writes.

    The role's module of the devstack tree the node runs gets the
    arguments the renderer built and must write the same text; a
    hand-written file (no role arguments) is taken as it is.
    """
    if not hasattr(conf, 'role_args'):
        return
    try:
        module = devstack_role.load_module(devstack_dir)
        diff = devstack_role.difference(conf, module, label)
    except RenderError as e:
        raise LocalDevstackError(str(e))
    if diff:
        raise LocalDevstackError(
            "devstack's write-devstack-local-conf (%s) writes another "
            'local.conf for %s than virtiofs_scaphandre/localconf.py:\n%s'
            % (devstack_dir, label, diff))


def make_repo(runner, src_dir, relative_paths, dest):
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
    runner.run(git + ['init', '-q'])
    runner.run(git + ['add', '-A'])
    runner.run(git + ['commit', '-q', '-m', 'Copy of %s' % src_dir])


def tree_files(runner, top_dir):
    """The working tree's files, uncommitted and untracked ones included."""
    rc, out = runner.run(
        ['git', '-C', top_dir, 'ls-files', '-co', '--exclude-standard',
         '-z'], check=False, capture=True)
    if rc != 0:
        raise LocalDevstackError('%s is not a git working tree' % top_dir)
    return sorted(p for p in set(filter(None, out.split('\0')))
                  if os.path.isfile(os.path.join(top_dir, p)))


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
