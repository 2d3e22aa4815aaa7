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

"""Taking a snapshot of a stacked cloud, and booting a cloud from one.

Taking: the devstack services, then the databases, the queue and OVN are
stopped on every node (subnode first), the nodes are powered off, and
their root filesystems become the snapshot; the cloud is then restored
from it at once, which proves the snapshot before anyone relies on it.

Restoring: every node boots on an overlay of the snapshot; what a boot
loses is put back (the tool's own: checksum offload off, the tunnel
bridge br-lds, the hugepage mount; stack.sh's: br-ex's address, routes,
NAT rules, forwarding); the devstack services start, controller first;
and the cloud must prove healthy (every service up, both computes in the
hypervisor list, a server ACTIVE) before up says it is ready.
"""

import configparser
import os
import signal

from virtiofs_scaphandre.local_devstack import changes
from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import nodestate
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import snapshot as snap_mod
from virtiofs_scaphandre.local_devstack import stacking

HEALTH_SRC = os.path.join(stacking.FILES_DIR, 'cloud-health')
HEALTH_DEST = '/opt/stack/local-devstack/cloud-health'
VENV_PYTHON = '/opt/stack/data/venv/bin/python3'
TEMPEST_CONF = '/opt/stack/tempest/etc/tempest.conf'


def stop_node(node, log, proc_root='/proc', kill=os.kill):
    """node.stop(), and the node's init too when nspawn left it running.

    stop kills systemd-nspawn when a node does not halt in time (seen
    with trixie nodes); the container's PID 1 then lives on without it,
    holding the node's files and network namespace, and the next boot
    cannot add the node's veth ("File exists"). Killing that PID 1 ends
    every process of the node.
    """
    try:
        leader = node.leader_pid()
    except LocalDevstackError:
        leader = None
    node.stop()
    if not leader:
        return
    try:
        with open(os.path.join(proc_root, str(leader), 'status')) as f:
            nspid = [line.split()[1:] for line in f
                     if line.startswith('NSpid:')]
    except OSError:
        return
    # Only the init of a PID namespace of its own: never a reused pid.
    if nspid and nspid[0][-1:] == ['1'] and len(nspid[0]) > 1:
        log('%s: its init (pid %d) outlived systemd-nspawn; killing it' % (
            node.name, leader))
        kill(leader, signal.SIGKILL)


class Restorer(object):

    def __init__(self, cloud):
        self.cloud = cloud
        self.s = cloud.s
        self.runner = cloud.runner
        self.store = snap_mod.SnapshotStore(cloud.s, cloud.runner)

    # -- inputs ----------------------------------------------------------
    def devstack_commit(self):
        s = self.s
        if '://' in s.devstack_repo:
            argv = ['git', 'ls-remote', s.devstack_repo, s.devstack_branch]
        else:
            argv = ['git', '-C', s.devstack_repo, 'rev-parse',
                    s.devstack_branch + '^{commit}']
        rc, out = self.runner.run(argv, check=False, capture=True,
                                  timeout=120)
        commit = (out or '').split()[:1]
        if rc != 0 or not commit:
            raise LocalDevstackError('cannot tell the commit of devstack %s '
                                     '%s' % (s.devstack_repo,
                                             s.devstack_branch))
        return commit[0]

    def mirror_states(self):
        top = os.path.join(self.s.mirror_dir, 'openstack')
        if not self.s.uses_mirror or not os.path.isdir(top):
            return {}
        states = {}
        for name in sorted(os.listdir(top)):
            _, refs = self.runner.run(['git', '-C', os.path.join(top, name),
                                       'show-ref'], check=False,
                                      capture=True)
            states[name] = snap_mod.text_digest(refs or '')
        return states

    def inputs(self, confs):
        s = self.s
        return {
            'tool': snap_mod.tool_version(),
            'devstack': self.devstack_commit(),
            'local.conf': {name: snap_mod.text_digest(conf.text())
                           for name, conf in sorted(confs.items())},
            'suite': s.suite,
            'mirrors': self.mirror_states(),
            'upper_constraints': snap_mod.file_digest(s.upper_constraints),
            'image': snap_mod.file_digest(s.image),
        }

    def choose(self, confs, wanted):
        """The snapshot up restores, or None (stack.sh); says why."""
        if wanted == 'never' or not self.s.snapshots:
            self.runner.log('snapshots off: stack.sh')
            return None
        names = [n.name for n in self.cloud.nodes]
        inputs = self.inputs(confs)
        if wanted and wanted != 'auto':
            snap = self.store.get(wanted)
            diff = snap_mod.differences(snap.inputs, inputs)
            if sorted(snap.nodes) != sorted(names):
                raise LocalDevstackError('snapshot %s has nodes %s, not %s'
                                         % (snap.id, ', '.join(snap.nodes),
                                            ', '.join(names)))
            if diff:
                self.runner.log('WARNING: restoring snapshot %s as asked '
                                'although it differs in: %s' % (
                                    snap.id, ', '.join(diff)))
                self.explain_conf_differences(snap, confs, diff)
            return snap
        snap, why = self.store.find(inputs, names)
        if not snap:
            why += ': stack.sh'
            if self.store.all():
                why += (' ("up --snapshot ID" restores one anyway and '
                        'shows what differs)')
        self.runner.log(why)
        return snap

    def explain_conf_differences(self, snap, confs, diff):
        """Log what each node's local.conf sets otherwise than snap's."""
        for node in self.cloud.nodes:
            if 'local.conf ' + node.name not in diff:
                continue
            conf = confs[node.name]
            if node is self.cloud.subnode:
                conf = stacking.subnode_conf(conf)
            path = os.path.join(snap.rootfs(node.name),
                                stacking.DEVSTACK_DIR.lstrip('/'),
                                'local.conf')
            old = self.runner.read_file(path) if os.path.exists(
                path) else ''
            settings = changes.conf_differences(old, conf.text())
            self.runner.log('  local.conf %s: %s' % (
                node.name, '; '.join(settings) if settings else
                'the same settings in another order'))

    # -- take ------------------------------------------------------------
    def take_running(self):
        """Snapshot a running cloud that stack.sh made with these inputs."""
        self.cloud.require_up()
        if self.cloud.host.overlays():
            raise LocalDevstackError('the running cloud was restored from a '
                                     'snapshot already')
        confs = self.cloud.render_all()
        for node in self.cloud.nodes:
            conf = confs[node.name]
            if node is self.cloud.subnode:
                conf = stacking.subnode_conf(conf)
            path = node.path(stacking.DEVSTACK_DIR + '/local.conf')
            if not os.path.exists(path) or \
                    self.runner.read_file(path) != conf.text():
                raise LocalDevstackError(
                    '%s was stacked with another local.conf than the one '
                    'rendered now: a snapshot of it would carry a wrong '
                    'key' % node.name)
        return self.take(confs)

    def take(self, confs):
        nodes = self.cloud.nodes
        inputs = self.inputs(confs)
        meta = {}
        for node in reversed(nodes):
            meta[node.name] = {
                'units': nodestate.devstack_units(node),
                'network': nodestate.capture_network(self.runner, node)}
        for node in reversed(nodes):
            nodestate.quiesce(self.runner, node)
        for node in reversed(nodes):
            stop_node(node, self.runner.log)
        for node in nodes:
            nodestate.disable_autostart(node.rootfs)
        snap = self.store.create(inputs, {n.name: n.rootfs for n in nodes},
                                 meta)
        self.runner.log('snapshot %s: %s on disk' % (
            snap.id, snap_mod.human_bytes(self.store.disk_use(snap.path))))
        removed = self.store.prune(self.s.keep_snapshots, in_use=[snap.id])
        if removed:
            self.runner.log('pruned snapshots: %s' % ', '.join(removed))
        self.restore(snap)
        return snap

    # -- restore ---------------------------------------------------------
    def restore_or_explain(self, snap):
        """Restore snap; on failure undo it, say why, return False."""
        try:
            self.cloud.timed('restore %s' % snap.id, self.restore, snap)
            return True
        except LocalDevstackError as e:
            self.runner.log('restoring snapshot %s failed: %s; falling back '
                            'to stack.sh' % (snap.id, e))
            for node in reversed(self.cloud.nodes):
                stop_node(node, self.runner.log)
            self.cloud.host.undo_overlays()
            return False

    def restore(self, snap):
        cloud = self.cloud
        nodes = cloud.nodes
        for node in nodes:
            cloud.host.mount_overlay(node.name, snap.rootfs(node.name),
                                     node.rootfs)
            node.write_node_files(nodes)
            self.runner.write_file(node.path(HEALTH_DEST),
                                   self.runner.read_file(HEALTH_SRC), 0o755)
        for node in nodes:
            cloud.timed('boot %s' % node.name, node.boot,
                        cloud.host.hugetlbfs_path())
        for node in nodes:
            nodestate.wait_for_ovs(self.runner, node)
            nodestate.restore_network(self.runner, node,
                                      snap.nodes[node.name]['network'])
            if self.s.subnode:
                node.wire_tunnel_bridge()
        for node in nodes:
            cloud.timed('services %s' % node.name, nodestate.start_units,
                        self.runner, node, snap.nodes[node.name]['units'])
        cloud.timed('health check', self.check_health, True)

    def stop_services(self, node):
        nodestate.stop_devstack_services(self.runner, node)

    # -- health ----------------------------------------------------------
    def boot_args(self):
        conf = configparser.ConfigParser(interpolation=None, strict=False)
        conf.read(self.cloud.controller.path(TEMPEST_CONF))
        image = conf.get('compute', 'image_ref', fallback='')
        flavor = conf.get('compute', 'flavor_ref', fallback='')
        network = conf.get('compute', 'fixed_network_name',
                           fallback='') or 'private'
        if not image or not flavor:
            return []
        return ['--boot', image, flavor, network]

    def check_health(self, boot=False, since=None):
        controller = self.cloud.controller
        python = VENV_PYTHON
        # lexists: the venv's python3 links to the node's /usr/bin/python3.X,
        # which the host need not have (trixie's 3.13 on a bookworm host).
        if not os.path.lexists(controller.path(VENV_PYTHON)):
            python = 'python3'
        argv = [python, HEALTH_DEST, '--computes',
                ','.join(n.name for n in self.cloud.nodes),
                '--timeout', str(self.s.health_timeout)]
        if since:
            argv += ['--since', '%.0f' % since]
        if boot:
            argv += self.boot_args()
        if not os.path.exists(controller.path(HEALTH_DEST)):
            self.runner.write_file(controller.path(HEALTH_DEST),
                                   self.runner.read_file(HEALTH_SRC), 0o755)
        log = os.path.join(self.s.logs_dir, 'health.log')
        # The log keeps every check; only this one's lines are reported.
        start = os.path.getsize(log) if os.path.exists(log) else 0
        rc, _ = self.runner.run(
            controller.enter(argv, user=ctr.STACK_USER, cwd='/'),
            check=False, stdout_path=log,
            timeout=self.s.health_timeout * 3 + 60)
        text = self.runner.read_file(log)[start:] if os.path.exists(
            log) else ''
        for line in text.splitlines()[-6:]:
            self.runner.log('health: ' + line)
        if rc != 0:
            problems = [line for line in text.splitlines()
                        if line.startswith('not ready')]
            raise LocalDevstackError('the cloud is not healthy: %s (log %s)'
                                     % ('; '.join(problems[-5:]) or
                                        'exit %d' % rc, log))

    # -- list / prune / remove -------------------------------------------
    def in_use(self):
        return [os.path.basename(os.path.dirname(lower))
                for lower in self.cloud.host.overlays().values()]

    def listing(self):
        lines = []
        total = 0
        for snap in self.store.all():
            size = self.store.disk_use(snap.path)
            total += size
            used = ' (in use)' if snap.id in self.in_use() else ''
            lines.append('%s  %s  %-9s %s nodes: %s%s' % (
                snap.id, snap.created(), snap_mod.human_bytes(size),
                snap.inputs.get('suite', '?'), ','.join(sorted(snap.nodes)),
                used))
        for path in self.store.partial():
            lines.append('%s  partial (prune removes it)' %
                         os.path.basename(path))
        lines.append('snapshots use %s under %s' % (
            snap_mod.human_bytes(total), self.store.root))
        return lines

    def prune(self, keep):
        return self.store.prune(keep, in_use=self.in_use())

    def remove(self, snapshot_id):
        snap = self.store.get(snapshot_id)
        self.store.remove(snap, in_use=self.in_use())
        return snap.id

    def remove_all(self):
        removed = []
        for snap in self.store.all():
            self.store.remove_path(snap.path)
            removed.append(snap.path)
        for path in self.store.partial():
            self.store.remove_path(path)
            removed.append(path)
        if os.path.isdir(self.store.root) and not os.listdir(
                self.store.root):
            os.rmdir(self.store.root)
            removed.append(self.store.root)
        return removed
