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

"""A scripted cloud that the tempest test bodies run against.

It keeps, per compute, the files of <host_dir>/<instance> and the
read-only views, and per server its compute and whether its domain has
the share. ``broken`` names what the feature gets wrong: the action after
which a server loses its share (e.g. 'hard reboot'), 'writable' (guest
root writes to the host), 'old view kept', 'stale', 'shared directory'.
"""

import posixpath
import subprocess
import types

from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import tampering
from virtiofs_scaphandre_tempest_plugin.scenario import base as scenario

HOST_DIR = '/var/lib/libvirt/scaphandre'
VIEW_DIR = '/opt/stack/data/nova/share_local_fs'
TAG = 'scaphandre'


class FakeFile(object):

    def __init__(self, content):
        self.content = content
        self.mode = 0o100644
        self.uid = self.gid = 0
        self.mtime = 1700000000
        self.ctime = 1700000000
        self.nlink = 1
        self.xattrs = {}

    def stat(self, siblings):
        return {'sha256': self.content, 'mode': oct(self.mode),
                'uid': self.uid, 'gid': self.gid,
                'size': len(self.content), 'mtime_ns': self.mtime,
                'ctime_ns': self.ctime, 'nlink': self.nlink, 'ino': id(self),
                'xattrs': dict(self.xattrs), 'siblings': siblings}


class FakeCompute(object):
    """The ComputeSSHClient of one host."""

    def __init__(self, host):
        self.host = host
        self.files = {}
        self.dirs = set()
        self.mounts = {}
        self.commands = []

    def exists(self, path):
        return path in self.files or path in self.dirs

    def write_file(self, path, content, mtime=None):
        if posixpath.dirname(path) not in self.dirs:
            raise lib_exc.SSHExecCommandFailed(
                command='printf', exit_status=1, stdout='',
                stderr='%s: No such file or directory' % path)
        old = self.files.get(path)
        if old:
            old.content = content
        else:
            self.files[path] = FakeFile(content)
        if mtime is not None:
            self.files[path].mtime = mtime

    def replace_file(self, path, content):
        self.write_file(path, content)

    def remove_file(self, *paths):
        for path in paths:
            self.files.pop(path, None)

    def names(self, directory):
        return sorted(posixpath.basename(p) for p in self.files
                      if posixpath.dirname(p) == directory)

    def snapshot(self, path):
        name = posixpath.basename(path)
        siblings = [n for n in self.names(posixpath.dirname(path))
                    if n.startswith(name)]
        if path not in self.files:
            return {'missing': True, 'siblings': siblings}
        return self.files[path].stat(siblings)

    def mounts_under(self, path):
        return sorted(m for m in self.mounts
                      if m == path or m.startswith(path + '/'))

    def run(self, command):
        self.commands.append(command)
        return ''

    def copy_file(self, source, destination):
        self.commands.append('cp %s %s' % (source, destination))

    def append_file(self, path, text):
        self.commands.append('append %s' % path)


class FakeCloud(object):

    def __init__(self, hosts=('cmp1', 'cmp2')):
        self.computes = {h: FakeCompute(h) for h in hosts}
        self.servers = {}
        self.broken = set()
        self.next_host = hosts[0]

    # Servers and their share -------------------------------------------

    def _dir(self, server):
        return domain_xml.writable_dir(HOST_DIR, server.name)

    def _views(self, server):
        return domain_xml.instance_views_dir(VIEW_DIR, server.name)

    def _attach(self, server):
        compute = self.computes[server.host]
        if 'no directory' not in self.broken:
            compute.dirs.add(self._dir(server))
        if 'shared directory' in self.broken:
            compute.dirs.add(HOST_DIR)
        compute.dirs.add(self._views(server))
        compute.mounts[self._views(server) + '/' + TAG] = 'ro'
        server.shared = True

    def _detach(self, server, host):
        compute = self.computes[host]
        compute.dirs.discard(self._views(server))
        compute.mounts.pop(self._views(server) + '/' + TAG, None)

    def boot(self, host=None):
        number = len(self.servers) + 1
        server = types.SimpleNamespace(
            id='srv%d' % number, name='instance-%08x' % number,
            host=host or self.next_host, status='ACTIVE', shared=False)
        self.servers[server.id] = server
        self._attach(server)
        return server

    def act(self, server_id, action, status='ACTIVE', host=None):
        """A server action: the domain starts again (maybe elsewhere)."""
        server = self.servers[server_id]
        old = server.host
        server.host = host or old
        server.status = status
        if action in self.broken:
            server.shared = False
            self._detach(server, server.host)
        else:
            self._attach(server)
        if old != server.host and 'old view kept' not in self.broken:
            self._detach(server, old)

    def offload(self, server_id):
        server = self.servers[server_id]
        server.status = 'SHELVED_OFFLOADED'
        if 'old view kept' not in self.broken:
            self._detach(server, server.host)

    def delete(self, server_id):
        server = self.servers.pop(server_id)
        if 'view kept on delete' not in self.broken:
            self._detach(server, server.host)

    def location(self, server_id):
        server = self.servers[server_id]
        return server.host, server.name

    def share_problems(self, server_id):
        server = self.servers[server_id]
        problems = []
        if not server.shared:
            problems.append("no <filesystem> with <target dir='%s'/>" % TAG)
        elif 'writable' in self.broken:
            problems.append('view mounted rw, not read-only')
        return server.host, server.name, problems

    def views_left(self, host, name):
        compute = self.computes[host]
        views = domain_xml.instance_views_dir(VIEW_DIR, name)
        left = ['mount point %s' % m for m in compute.mounts_under(views)]
        if compute.exists(views):
            left.append('directory %s' % views)
        return left

    def guest(self, server):
        return scenario.Guest({'id': server.id},
                              FakeGuestShare(self, server.id))


class FakeGuestShare(object):
    """GuestShare of one server: what its guest root sees and does."""

    def __init__(self, cloud, server_id):
        self.cloud = cloud
        self.server_id = server_id
        self.mounted = None
        self.remote = types.SimpleNamespace(
            validate_authentication=lambda: None)
        self.missing_tools = set()

    def path(self, name):
        return '/mnt/share/' + name

    def _server(self):
        return self.cloud.servers[self.server_id]

    def _host_dir(self):
        server = self._server()
        if 'shared directory' in self.cloud.broken:
            return HOST_DIR
        return domain_xml.writable_dir(HOST_DIR, server.name)

    def _compute(self):
        return self.cloud.computes[self._server().host]

    def mount(self, mode='as mounted'):
        if not self._server().shared:
            raise lib_exc.TempestException('the guest could not mount tag '
                                           '%s: no such device' % TAG)
        self.mounted = mode

    def read(self, name):
        path = self._host_dir() + '/' + name
        if not self.mounted or path not in self._compute().files:
            raise lib_exc.SSHExecCommandFailed(
                command='cat', exit_status=1, stdout='',
                stderr='cat: %s: No such file or directory' % name)
        return self._compute().files[path].content

    def names(self):
        if 'leak' in self.cloud.broken:
            compute = self._compute()
            return sorted(
                {posixpath.basename(d) for d in compute.dirs
                 if posixpath.dirname(d) == HOST_DIR} |
                {n for d in compute.dirs for n in compute.names(d)})
        if 'old files visible' in self.cloud.broken:
            return sorted({n for c in self.cloud.computes.values()
                           for n in c.names(self._host_dir())})
        return self._compute().names(self._host_dir())

    def try_write(self, name):
        if 'writable' not in self.cloud.broken:
            return 1, 'sh: can\'t create %s: Read-only file system' % name
        self._compute().write_file(self._host_dir() + '/' + name, 'w')
        return 0, ''

    def wait_for_content(self, name, expected, timeout):
        if 'stale' in self.cloud.broken:
            return '1000'
        return self.read(name)

    def attempt(self, command):
        words = command.split()
        for operation in tampering.OPERATIONS:
            if len(words) > 2 and command == tampering.control_command(
                    operation, words[2]):
                if operation in self.missing_tools:
                    return 127, 'sh: setfattr: not found'
                return 0, ''
        for operation in tampering.OPERATIONS:
            for path in self._compute().files:
                name = posixpath.basename(path)
                if command == tampering.command(operation, self.path(name)):
                    return self._tamper(operation, path)
        raise AssertionError('unexpected guest command %r' % command)

    def _tamper(self, operation, path):
        if 'writable' not in self.cloud.broken:
            return 1, 'Read-only file system'
        compute = self._compute()
        target = compute.files[path]
        effects = {
            'overwrite': lambda: setattr(target, 'content', 'tampered\n'),
            'truncate': lambda: setattr(target, 'content', ''),
            'delete': lambda: compute.files.pop(path),
            'rename': lambda: compute.files.__setitem__(
                path + '.renamed', compute.files.pop(path)),
            'chmod': lambda: setattr(target, 'mode', 0o100777),
            'chown': lambda: setattr(target, 'uid', 4242),
            'touch': lambda: setattr(target, 'mtime', 1800000000),
            'setxattr': lambda: target.xattrs.update(t='x'),
            'hard link': lambda: compute.files.__setitem__(
                path + '.link', target),
        }
        effects[operation]()
        return 0, ''


class LocalShell(object):
    """Stands in for tempest.lib's ssh.Client: same contract, no SSH.

    Runs each command on this machine, so tests see real shell behaviour.
    """

    def __init__(self, host, username, key_filename=None):
        self.host = host

    def exec_command(self, cmd):
        proc = subprocess.run(['/bin/sh', '-c', cmd], capture_output=True,
                              text=True, timeout=60)
        if proc.returncode:
            raise lib_exc.SSHExecCommandFailed(
                command=cmd, exit_status=proc.returncode,
                stderr=proc.stderr, stdout=proc.stdout)
        return proc.stdout
