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

"""systemd-nspawn containers: root filesystems, boot, commands, stop.

The host has no systemd as PID 1 and no machined, so containers are booted
detached with --register=no --keep-unit and entered with nsenter through
the PID of their init.
"""

import glob
import json
import os
import shutil
import signal
import time

from virtiofs_scaphandre.local_devstack import rootfs
from virtiofs_scaphandre.local_devstack.rootfs import STACK_HOME
from virtiofs_scaphandre.local_devstack.rootfs import STACK_USER
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

MIRROR_MOUNT = '/opt/git'
CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# OVN's geneve tunnels on the userspace datapath leave through OVS's own
# routing table, which only knows routes over OVS netdev bridges: with the
# node's address on the plain veth, BFD stays down and guests on the two
# nodes cannot reach each other (DHCP still works: OVN answers it locally).
# So the veth joins a netdev bridge that takes over its address and the
# default route. Idempotent: a warm boot gives host0 its address again.
TUNNEL_BRIDGE = 'br-lds'
# Suites whose systemd still boots on the host's hybrid cgroup hierarchy.
HYBRID_CGROUP_SUITES = ('bookworm',)
# CHECKSUM_WHY: OVS's userspace datapath reads the veth with a packet
# socket and forwards offloaded (not yet computed) TCP/UDP checksums as
# they are, so a node behind br-lds drops every TCP segment a peer sends
# with checksum offload on (ping still works). Every sender on the bridge
# computes its checksums itself: the nodes' host0 and the host's bridge.
TUNNEL_BRIDGE_SCRIPT = """\
set -e
ovs-vsctl --may-exist add-br "$1" -- set bridge "$1" datapath_type=netdev
ovs-vsctl --may-exist add-port "$1" host0
# After a boot, ovs-vswitchd makes the bridge's device a moment later.
for _ in $(seq 30); do
    ip link show "$1" >/dev/null 2>&1 && break
    sleep 1
done
ip link set "$1" up
ip -4 addr del "$2" dev host0 2>/dev/null || true
ip -4 addr replace "$2" dev "$1"
ip route replace default via "$3" dev "$1"
"""


def nspawn_processes(proc_root='/proc'):
    """Yield (pid, argv) of every systemd-nspawn process on the host."""
    for path in glob.glob(os.path.join(proc_root, '[0-9]*', 'cmdline')):
        try:
            with open(path, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b'systemd-nspawn':
            yield (int(path.split(os.sep)[-2]),
                   [a.decode(errors='replace') for a in argv if a])


class Container(object):

    def __init__(self, settings, runner, name, index, proc_root='/proc'):
        self.settings = settings
        self.runner = runner
        self.name = name
        self.proc_root = proc_root
        hosts = list(settings.subnet.hosts())
        self.gateway = str(hosts[0])
        self.address = str(hosts[9 + index])
        self.rootfs = os.path.join(settings.machines_dir, name)
        self.state_path = os.path.join(settings.state_dir, 'run',
                                       name + '.json')
        self.console_log = os.path.join(settings.logs_dir,
                                        name + '-console.log')

    # -- root filesystem -------------------------------------------------
    def path(self, inner):
        return os.path.join(self.rootfs, inner.lstrip('/'))

    def is_provisioned(self):
        return rootfs.provisioned_suite(self.rootfs) == self.settings.suite

    def stack_ids(self):
        pw = self.path('etc/passwd')
        with open(pw) as f:
            for line in f:
                fields = line.split(':')
                if fields[0] == STACK_USER:
                    return int(fields[2]), int(fields[3])
        raise LocalDevstackError('no %s user in %s' % (STACK_USER, pw))

    def provision(self, base_rootfs, peers):
        """Copy the base root filesystem and make it this node."""
        if not self.is_provisioned():
            partial = self.rootfs + '.partial'
            shutil.rmtree(partial, ignore_errors=True)
            self.runner.run(['cp', '-a', '--reflink=auto', base_rootfs,
                             partial])
            if os.path.exists(self.rootfs):
                shutil.rmtree(self.rootfs)
            os.rename(partial, self.rootfs)
        self.write_node_files(peers)

    def write_node_files(self, peers):
        w = self.runner.write_file
        w(self.path('etc/hostname'), self.name + '\n')
        hosts = ['127.0.0.1 localhost', '::1 localhost ip6-localhost']
        hosts += ['%s %s' % (p.address, p.name) for p in peers]
        w(self.path('etc/hosts'), '\n'.join(hosts) + '\n')
        # Sorts before nspawn's 80-container-host0.network, which would
        # otherwise ask for DHCP nobody serves.
        w(self.path('etc/systemd/network/10-host0.network'),
          '[Match]\nName=host0\n\n[Network]\nAddress=%s/%d\n'
          'Gateway=%s\nDNS=%s\n' % (self.address,
                                    self.settings.subnet.prefixlen,
                                    self.gateway, rootfs.host_nameserver()))
        w(self.path('etc/resolv.conf'),
          'nameserver %s\n' % rootfs.host_nameserver())
        # A stacked root filesystem keeps its devstack@ units enabled; they
        # must not start at boot before stack.sh runs again.
        for link in glob.glob(self.path(
                'etc/systemd/system/*.target.wants/devstack@*')):
            os.remove(link)
        rootfs.configure_libvirt(self.runner, self.rootfs)
        # The stack user's systemd manager stays up between SSH logins
        # (tempest logs in to the computes as stack): without it a login
        # that comes while the last one's manager still stops waited
        # 105 s for a new one.
        w(self.path('var/lib/systemd/linger/' + STACK_USER), '')
        w(self.path(rootfs.OVN_METADATA_CHECKSUM_PATH),
          self.runner.read_file(rootfs.OVN_METADATA_CHECKSUM_SCRIPT), 0o755)
        unit = 'etc/systemd/system/' + rootfs.OVN_METADATA_CHECKSUM_UNIT_NAME
        w(self.path(unit), rootfs.OVN_METADATA_CHECKSUM_UNIT)
        link = self.path('etc/systemd/system/multi-user.target.wants/' +
                         rootfs.OVN_METADATA_CHECKSUM_UNIT_NAME)
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink('/' + unit, link)

    def stacked(self):
        return os.path.exists(self.path(STACK_HOME + '/devstack/.stackenv'))

    # -- running ---------------------------------------------------------
    def _load_state(self):
        if not os.path.exists(self.state_path):
            return None
        with open(self.state_path) as f:
            return json.load(f)

    def _alive(self, pid):
        """pid runs; an exited child not yet reaped (a zombie) does not.

        nspawn is a child of the tool during up: once powered off it
        stays a zombie until reaped, and stop waited for it in vain.
        """
        try:
            with open(os.path.join(self.proc_root, str(pid),
                                   'status')) as f:
                for line in f:
                    if line.startswith('State:'):
                        return line.split()[1] not in ('Z', 'X')
        except OSError:
            return False
        return True

    def foreign_nspawn(self):
        """A systemd-nspawn on our root filesystem that we did not start."""
        state = self._load_state() or {}
        for pid, argv in nspawn_processes(self.proc_root):
            if pid == state.get('nspawn_pid'):
                continue
            if self.rootfs in argv or ('-M' in argv and self.name in argv):
                return pid
        return None

    def running(self):
        state = self._load_state()
        if not state:
            return False
        if self._alive(state['nspawn_pid']) and self._alive(
                state['leader_pid']):
            return True
        return False

    def clear_stale(self):
        """Forget a container whose processes are gone; True if stale."""
        state = self._load_state()
        if state and not self.running():
            os.remove(self.state_path)
            return True
        return False

    def leader_pid(self):
        state = self._load_state()
        if not state:
            raise LocalDevstackError('container %s is not running' %
                                     self.name)
        return state['leader_pid']

    def nspawn_argv(self, hugetlbfs=None):
        s = self.settings
        argv = ['systemd-nspawn', '--quiet', '-D', self.rootfs,
                '-M', self.name, '--boot', '--register=no', '--keep-unit',
                '--console=passive', '--network-bridge=%s' % s.bridge,
                '--capability=all', '--resolv-conf=off',
                '--bind=/dev/net/tun']
        if os.path.exists('/dev/kvm'):
            argv.append('--bind=/dev/kvm')
        if hugetlbfs:
            argv.append('--bind=%s:/dev/hugepages' % hugetlbfs)
        if s.uses_mirror:
            argv.append('--bind-ro=%s:%s' % (s.mirror_dir, MIRROR_MOUNT))
        return argv

    def nspawn_env(self):
        """The variables nspawn boots this suite's systemd with.

        systemd 256 and later (trixie's 257) do not boot on cgroup v1:
        their containers get the unified hierarchy; bookworm's keep the
        hybrid one the host has, as before.
        """
        if self.settings.suite in HYBRID_CGROUP_SUITES:
            return {}
        return {'SYSTEMD_NSPAWN_UNIFIED_HIERARCHY': '1'}

    def _find_leader(self, nspawn_pid):
        """The container's init: the child of nspawn that runs systemd.

        nspawn also forks short-lived helpers; taking one of them for the
        init made a boot wait for a process that was already gone.
        """
        children = []
        for status in glob.glob(os.path.join(self.proc_root, '[0-9]*',
                                             'status')):
            try:
                with open(status) as f:
                    text = f.read()
            except OSError:
                continue
            fields = dict(line.split(':', 1) for line in text.splitlines()
                          if ':' in line)
            try:
                ppid = int(fields.get('PPid', '0').split()[0])
            except (IndexError, ValueError):
                continue
            if ppid == nspawn_pid:
                pid = int(status.split(os.sep)[-2])
                children.append((fields.get('Name', '').strip(), pid))
        for name, pid in sorted(children):
            if name in ('systemd', 'init'):
                return pid
        return None

    def boot(self, hugetlbfs=None, clock=time.monotonic, sleep=time.sleep):
        other = self.foreign_nspawn()
        if other:
            raise LocalDevstackError(
                'stale container: systemd-nspawn pid %d already runs %s; '
                'stop it (kill %d) or run "local-devstack down"' % (
                    other, self.rootfs, other))
        if self.running():
            return
        self.clear_stale()
        os.makedirs(self.settings.logs_dir, exist_ok=True)
        os.makedirs(os.path.dirname(self.state_path), exist_ok=True)
        nspawn_pid = self.runner.spawn_detached(
            self.nspawn_argv(hugetlbfs), self.console_log,
            env=self.nspawn_env())
        deadline = clock() + self.settings.boot_timeout
        leader = None
        while clock() < deadline:
            if not self._alive(nspawn_pid):
                break
            leader = self._find_leader(nspawn_pid)
            if leader:
                break
            sleep(0.5)
        if not leader:
            self._kill(nspawn_pid)
            raise LocalDevstackError(
                'container %s did not start; see %s' % (self.name,
                                                        self.console_log))
        with open(self.state_path, 'w') as f:
            json.dump({'nspawn_pid': nspawn_pid, 'leader_pid': leader}, f)
        while clock() < deadline:
            rc, out = self.runner.run(
                self.enter(['systemctl', 'is-system-running']),
                check=False, capture=True, timeout=30)
            if out and out.strip() in ('running', 'degraded'):
                self.after_boot()
                return
            sleep(1)
        self.stop()
        raise LocalDevstackError(
            'container %s did not finish booting in %ds; see %s' % (
                self.name, self.settings.boot_timeout, self.console_log))

    def after_boot(self):
        # nspawn mounts /sys read-only and devstack's configure_ksm writes
        # /sys/kernel/mm/ksm/run.
        self.runner.run(self.enter(
            ['sh', '-c', 'mountpoint -q /sys/kernel/mm/ksm || '
             'mount -t tmpfs local-devstack-ksm /sys/kernel/mm/ksm']))
        # CHECKSUM_WHY; the host's ethtool in the node's network namespace
        # (a fresh root filesystem has none).
        self.runner.run(['nsenter', '-t', str(self.leader_pid()), '-n',
                         'ethtool', '-K', 'host0', 'tx', 'off'], capture=True)

    def wire_tunnel_bridge(self):
        """Move this node's address onto an OVS netdev bridge."""
        self.runner.run(self.enter(
            ['sh', '-c', TUNNEL_BRIDGE_SCRIPT, 'local-devstack-wire',
             TUNNEL_BRIDGE, '%s/%d' % (self.address,
                                       self.settings.subnet.prefixlen),
             self.gateway]))

    def enter(self, argv, user=None, cwd=None):
        """nsenter argv into the container, as user, in cwd.

        The host's environment is not passed on: devstack must not see
        the caller's variables.
        """
        cmd = ['nsenter', '-t', str(self.leader_pid()), '-a', '--',
               'env', '-i', 'PATH=' + CONTAINER_PATH, 'LANG=C.UTF-8',
               'TERM=dumb', 'HOME=/root']
        if user or cwd:
            if user:
                home = STACK_HOME if user == STACK_USER else '/root'
                cmd += ['runuser', '-u', user, '--', 'env', 'HOME=' + home,
                        'USER=' + user, 'LOGNAME=' + user]
            cmd += ['bash', '-lc', 'cd "$1" && shift && exec "$@"',
                    'local-devstack', cwd or '/']
        return cmd + list(argv)

    def _kill(self, pid, timeout=90, sleep=time.sleep):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(int(timeout * 2)):
            if not self._alive(pid):
                _reap(pid)
                return
            sleep(0.5)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(self):
        state = self._load_state()
        if not state:
            return
        # SIGTERM to systemd-nspawn powers the container off cleanly.
        self._kill(state['nspawn_pid'])
        os.remove(self.state_path)


def _reap(pid):
    """Collect an exited child of ours (nspawn, during up)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
