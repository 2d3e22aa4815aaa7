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

"""Checks of the host, and the host changes the containers need.

Each change is written to a journal (host-changes.json under state_dir)
before the next one is made, and undone from it in reverse order: by
``down``, by ``destroy`` and by a failing ``up``. Only what the journal
records is undone, so the host is left as the tool found it, and other
users of the host (their hugepages, their bridges, their NAT rules) are
never touched.
"""

import ipaddress
import json
import os
import shutil

from virtiofs_scaphandre.local_devstack import hugepages
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

HUGEPAGE_KB = hugepages.PAGE_KB
NEEDED_COMMANDS = ('systemd-nspawn', 'nsenter', 'debootstrap', 'iptables',
                   'ip', 'mount', 'umount', 'git', 'ethtool')
# The Debian package of each (bindep.txt's local-devstack profile).
COMMAND_PACKAGES = {'systemd-nspawn': 'systemd-container',
                    'nsenter': 'util-linux', 'debootstrap': 'debootstrap',
                    'iptables': 'iptables', 'ip': 'iproute2',
                    'mount': 'mount', 'umount': 'mount', 'git': 'git',
                    'ethtool': 'ethtool'}
NAMESPACES = ('mnt', 'net', 'pid', 'uts', 'ipc')
IPTABLES_COMMENT = 'local-devstack'


def check_root(euid=None):
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        raise LocalDevstackError(
            'must run as root: it boots systemd-nspawn containers and '
            'changes host networking (try: sudo %s)' % 'tools/local-devstack')


def check_namespaces(proc_root='/proc', which=shutil.which):
    missing = [ns for ns in NAMESPACES
               if not os.path.exists(os.path.join(proc_root, 'self', 'ns',
                                                  ns))]
    if missing:
        raise LocalDevstackError(
            'the kernel has no %s namespace support (missing %s); '
            'systemd-nspawn cannot run here' % (
                ', '.join(missing),
                ', '.join('%s/self/ns/%s' % (proc_root, m)
                          for m in missing)))
    absent = [c for c in NEEDED_COMMANDS if not which(c)]
    if absent:
        packages = sorted({COMMAND_PACKAGES.get(c, c) for c in absent})
        raise LocalDevstackError(
            'missing commands: %s; install them with: sudo '
            'BINDEP_PROFILE=local-devstack tools/bootstrap (or apt-get '
            'install %s)' % (', '.join(absent), ' '.join(packages)))


def mem_available_mb(proc_root='/proc'):
    with open(os.path.join(proc_root, 'meminfo')) as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) // 1024
    raise LocalDevstackError('no MemAvailable in %s/meminfo' % proc_root)


def check_memory(needed_mb, hugepages, proc_root='/proc'):
    needed = needed_mb + hugepages * HUGEPAGE_KB // 1024
    have = mem_available_mb(proc_root)
    if have < needed:
        raise LocalDevstackError(
            'not enough memory: %d MiB available, need %d MiB (%d for the '
            'containers + %d hugepages of 2 MiB); lower min_memory_mb or '
            'hugepages, or free memory' % (
                have, needed, needed_mb, hugepages))


def existing_parent(path):
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def check_disk(path, needed_gb, statvfs=os.statvfs):
    st = statvfs(existing_parent(path))
    free_gb = st.f_bavail * st.f_frsize // (1024 ** 3)
    if free_gb < needed_gb:
        raise LocalDevstackError(
            'not enough disk space under %s: %d GiB free, need %d GiB' % (
                path, free_gb, needed_gb))


class HostChanges(object):
    """Makes host changes and records them so that they can be undone."""

    def __init__(self, settings, runner, proc_root='/proc',
                 sys_root='/sys'):
        self.settings = settings
        self.runner = runner
        self.proc_root = proc_root
        self.sys_root = sys_root
        self.hugepages = hugepages.Pool(runner, settings.state_dir,
                                        sys_root=sys_root,
                                        proc_root=proc_root)
        self.journal_path = os.path.join(settings.state_dir,
                                         'host-changes.json')

    # -- journal ---------------------------------------------------------
    def entries(self):
        if not os.path.exists(self.journal_path):
            return []
        try:
            with open(self.journal_path) as f:
                return json.load(f)
        except ValueError as e:
            raise LocalDevstackError(
                'corrupt journal %s (%s); inspect it, undo by hand, then '
                'remove it' % (self.journal_path, e))

    def _save(self, entries):
        os.makedirs(os.path.dirname(self.journal_path), exist_ok=True)
        tmp = self.journal_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(entries, f, indent=1)
        os.replace(tmp, self.journal_path)

    def _record(self, entry):
        entries = self.entries()
        entries.append(entry)
        self._save(entries)

    def has(self, kind):
        return any(e['kind'] == kind for e in self.entries())

    # -- changes ---------------------------------------------------------
    def _host_networks(self):
        _, out = self.runner.run(['ip', '-4', '-o', 'addr', 'show'],
                                 capture=True)
        nets = []
        for line in out.splitlines():
            fields = line.split()
            if 'inet' in fields:
                iface = fields[1]
                nets.append((iface, ipaddress.IPv4Interface(
                    fields[fields.index('inet') + 1]).network))
        return nets

    def _link_exists(self, name):
        rc, _ = self.runner.run(['ip', 'link', 'show', 'dev', name],
                                check=False, capture=True)
        return rc == 0

    def add_bridge(self):
        s = self.settings
        if self.has('bridge'):
            return
        if self._link_exists(s.bridge):
            raise LocalDevstackError(
                'a network interface named %s already exists and was not '
                'made by local-devstack; set bridge to another name' %
                s.bridge)
        for iface, net in self._host_networks():
            if net.overlaps(s.subnet):
                raise LocalDevstackError(
                    'address clash: subnet %s overlaps %s on %s; set '
                    'subnet to a free range' % (s.subnet, net, iface))
        gateway = '%s/%d' % (next(s.subnet.hosts()), s.subnet.prefixlen)
        self._record({'kind': 'bridge', 'name': s.bridge})
        self.runner.run(['ip', 'link', 'add', 'name', s.bridge,
                         'type', 'bridge'])
        self.runner.run(['ip', 'addr', 'add', gateway, 'dev', s.bridge])
        # See container.CHECKSUM_WHY: the host talks to the nodes too.
        self.runner.run(['ethtool', '-K', s.bridge, 'tx', 'off'],
                        capture=True)
        self.runner.run(['ip', 'link', 'set', s.bridge, 'up'])

    def _sysctl_path(self, key):
        return os.path.join(self.proc_root, 'sys', *key.split('.'))

    def enable_ip_forward(self):
        path = self._sysctl_path('net.ipv4.ip_forward')
        old = self.runner.read_file(path).strip()
        if old == '1':
            return
        self._record({'kind': 'sysctl', 'path': path, 'old': old,
                      'new': '1'})
        self.runner.write_value(path, '1\n')

    def _nat_rule(self):
        s = self.settings
        return ['POSTROUTING', '-s', str(s.subnet), '!', '-o', s.bridge,
                '-m', 'comment', '--comment', IPTABLES_COMMENT,
                '-j', 'MASQUERADE']

    def add_masquerade(self):
        if self.has('iptables'):
            return
        rule = self._nat_rule()
        self._record({'kind': 'iptables', 'table': 'nat', 'rule': rule})
        self.runner.run(['iptables', '-t', 'nat', '-A'] + rule)
        _, out = self.runner.run(['iptables', '-S', 'FORWARD'],
                                 capture=True)
        if '-P FORWARD ACCEPT' not in out:
            for rule in (['FORWARD', '-i', self.settings.bridge,
                          '-m', 'comment', '--comment', IPTABLES_COMMENT,
                          '-j', 'ACCEPT'],
                         ['FORWARD', '-o', self.settings.bridge,
                          '-m', 'comment', '--comment', IPTABLES_COMMENT,
                          '-j', 'ACCEPT']):
                self._record({'kind': 'iptables', 'table': 'filter',
                              'rule': rule})
                self.runner.run(['iptables', '-I'] + rule)

    def add_hugepages(self):
        """Add pages to the host pool; never lower what others reserved."""
        wanted = self.settings.hugepages
        if not wanted or self.has('hugepages'):
            return
        # Recorded first: whatever tools/hugepages managed to add before
        # a failure is given back by the undo.
        self._record({'kind': 'hugepages', 'owner': hugepages.OWNER,
                      'state_dir': self.hugepages.state_dir})
        self.hugepages.add(wanted)

    def ensure_hugepages(self):
        """Put back pages of ours that another user of the host took."""
        if self.has('hugepages'):
            self.hugepages.refill()

    def mount_hugetlbfs(self):
        if not self.settings.hugepages or self.has('mount'):
            return None
        path = os.path.join(self.settings.state_dir, 'hugepages')
        os.makedirs(path, exist_ok=True)
        self._record({'kind': 'mount', 'path': path})
        self.runner.run(['mount', '-t', 'hugetlbfs', '-o', 'pagesize=2M',
                         'local-devstack-hugetlbfs', path])
        return path

    def mount_overlay(self, name, lower, target):
        """target becomes lower with a fresh upper layer taking writes.

        The upper and work directories live under state_dir/overlays/name
        and are removed with the mount (by down): a restored node always
        starts from its snapshot.
        """
        top = os.path.join(self.settings.state_dir, 'overlays', name)
        if os.path.lexists(top):
            shutil.rmtree(top)
        upper, work = os.path.join(top, 'upper'), os.path.join(top, 'work')
        os.makedirs(upper)
        os.makedirs(work)
        os.makedirs(target, exist_ok=True)
        self._record({'kind': 'overlay', 'path': target, 'lower': lower,
                      'top': top})
        self.runner.run(['mount', '-t', 'overlay', 'local-devstack-' + name,
                         '-o', 'lowerdir=%s,upperdir=%s,workdir=%s' % (
                             lower, upper, work), target])

    def overlays(self):
        """{mount point: lower directory} of the live overlays."""
        return {e['path']: e['lower'] for e in self.entries()
                if e['kind'] == 'overlay'}

    def hugetlbfs_path(self):
        for e in self.entries():
            if e['kind'] == 'mount':
                return e['path']
        return None

    def apply_all(self):
        self.add_bridge()
        self.enable_ip_forward()
        self.add_masquerade()
        self.add_hugepages()
        self.mount_hugetlbfs()

    # -- undo ------------------------------------------------------------
    def _undo_one(self, e):
        kind = e['kind']
        if kind == 'bridge':
            if self._link_exists(e['name']):
                self.runner.run(['ip', 'link', 'del', e['name']])
        elif kind == 'sysctl':
            # Another user may have changed it since: only restore ours.
            if self.runner.read_file(e['path']).strip() == e['new']:
                self.runner.write_value(e['path'], e['old'] + '\n')
        elif kind == 'iptables':
            rc, _ = self.runner.run(
                ['iptables', '-t', e['table'], '-C'] + e['rule'],
                check=False, capture=True)
            if rc == 0:
                self.runner.run(['iptables', '-t', e['table'], '-D'] +
                                e['rule'])
        elif kind == 'hugepages':
            if 'added' in e:
                # Journaled by an earlier version, which kept no record.
                self.hugepages.adopt(e['added'])
            self.hugepages.release()
        elif kind in ('mount', 'overlay'):
            rc, _ = self.runner.run(['mountpoint', '-q', e['path']],
                                    check=False)
            if rc == 0:
                self.runner.run(['umount', e['path']])
            if kind == 'overlay' and os.path.lexists(e['top']):
                shutil.rmtree(e['top'])
        else:
            raise LocalDevstackError('unknown journal entry %r' % (e,))

    def undo_overlays(self):
        """Unmount the overlays (and drop their writes), nothing else."""
        entries = self.entries()
        for e in reversed([e for e in entries if e['kind'] == 'overlay']):
            self._undo_one(e)
            entries.remove(e)
            self._save(entries)

    def undo_all(self):
        """Undo every recorded change, newest first; report what failed."""
        entries = self.entries()
        failed = []
        while entries:
            e = entries[-1]
            try:
                self._undo_one(e)
            except (LocalDevstackError, OSError, ValueError) as exc:
                failed.append((e, exc))
            entries.pop()
        self._save([e for e, _ in reversed(failed)])
        if not failed:
            os.remove(self.journal_path)
            return
        raise LocalDevstackError(
            'could not undo %d host change(s), kept in %s: %s' % (
                len(failed), self.journal_path,
                '; '.join('%s: %s' % (e['kind'], exc) for e, exc in failed)))
