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

"""The share as the guest's root sees it, through tempest.lib's SSH.

Commands run as root in the guest (``sudo``, as with CirrOS). They are
plain POSIX shell and busybox applets, so CirrOS and the project's SSH
test image both run them.
"""

import shlex

from tempest.lib import exceptions as lib_exc

MOUNT_POINT = '/mnt/virtiofs-scaphandre'
# How the guest mounted the share before a write or tampering attempt.
AS_MOUNTED = 'as mounted'
AFTER_REMOUNT_RW = 'after remount,rw'
MOUNT_MODES = (AS_MOUNTED, AFTER_REMOUNT_RW)

_STATUS_MARK = 'vs-exit-status='
_POLL_SECONDS = 0.1


def parse_attempt(output):
    """(exit status, output before it) of a command run by attempt()."""
    lines = (output or '').rstrip('\n').split('\n')
    if not lines or not lines[-1].startswith(_STATUS_MARK):
        raise ValueError('no exit status in the output of a guest command: '
                         '%.300r' % output)
    return int(lines[-1][len(_STATUS_MARK):]), '\n'.join(lines[:-1])


class GuestShare(object):
    """The virtiofs share of one guest, mounted at ``mount_point``."""

    def __init__(self, remote, tag, mount_point=MOUNT_POINT):
        """Share of the guest that ``remote`` is logged in to.

        :param remote: a tempest.lib RemoteClient.
        """
        self.remote = remote
        self.tag = tag
        self.mount_point = mount_point

    def path(self, name):
        return '%s/%s' % (self.mount_point, name)

    def run(self, command):
        """Run a command as root; a failure raises SSHExecCommandFailed."""
        return self.remote.exec_command('sudo sh -c %s'
                                        % shlex.quote(command))

    def attempt(self, command):
        """Run a command as root; return (exit status, its output)."""
        out = self.remote.exec_command(
            'sudo sh -c %s 2>&1 && echo %s0 || echo %s$?'
            % (shlex.quote(command), _STATUS_MARK, _STATUS_MARK))
        return parse_attempt(out)

    def has_virtiofs(self):
        # virtiofs may be built in (modprobe fails) or a module.
        out = self.run('modprobe virtiofs 2>/dev/null; '
                       'grep -w virtiofs /proc/filesystems || true')
        return 'virtiofs' in out

    def mount(self, mode=AS_MOUNTED):
        """Mount the tag afresh, the way ``mode`` says.

        AS_MOUNTED is what any guest root does: no options. With
        AFTER_REMOUNT_RW the share is mounted read-only, then root lifts
        that with ``mount -o remount,rw``: only the host keeps it
        read-only then.
        """
        mp = shlex.quote(self.mount_point)
        tag = shlex.quote(self.tag)
        if mode == AS_MOUNTED:
            mount = 'mount -t virtiofs %s %s' % (tag, mp)
        elif mode == AFTER_REMOUNT_RW:
            mount = ('mount -t virtiofs -o ro %s %s && '
                     'mount -o remount,rw %s' % (tag, mp, mp))
        else:
            raise ValueError('unknown mount mode %r' % (mode,))
        status, out = self.attempt(
            'mkdir -p %s; while grep -qs " %s " /proc/mounts; do umount %s '
            '|| exit 1; done; %s' % (mp, self.mount_point, mp, mount))
        if status:
            raise lib_exc.TempestException(
                'the guest could not mount tag %s at %s (%s): %s'
                % (self.tag, self.mount_point, mode, out.strip()))

    def unmount(self):
        """Unmount whatever is mounted at the mount point."""
        mp = shlex.quote(self.mount_point)
        status, out = self.attempt(
            'while grep -qs " %s " /proc/mounts; do umount %s || exit 1; '
            'done' % (self.mount_point, mp))
        if status:
            raise lib_exc.TempestException(
                'the guest could not unmount %s: %s'
                % (self.mount_point, out.strip()))

    def mounts(self):
        """[(filesystem type, options)] of what is mounted there."""
        out = self.run('cat /proc/mounts')
        found = []
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[1] == self.mount_point:
                found.append((fields[2], fields[3]))
        return found

    def read(self, name):
        return self.run('cat %s' % shlex.quote(self.path(name)))

    def names(self):
        """Names in the share's top directory."""
        out = self.run('ls -A %s' % shlex.quote(self.mount_point))
        return sorted(line.strip() for line in out.splitlines()
                      if line.strip())

    def try_write(self, name):
        """Try to create a file; return (exit status, output)."""
        return self.attempt('echo written > %s'
                            % shlex.quote(self.path(name)))

    def wait_for_content(self, name, expected, timeout):
        """Read ``name`` in a loop in the guest until it holds ``expected``.

        The loop runs in the guest, so SSH round trips do not hide a late
        update. :returns: the last content read.
        """
        tries = max(1, int(timeout / _POLL_SECONDS))
        path = shlex.quote(self.path(name))
        return self.run(
            'i=0; while [ "$(cat %s 2>/dev/null)" != %s ] && '
            '[ $i -lt %d ]; do i=$((i + 1)); usleep %d 2>/dev/null || '
            'sleep %s; done; cat %s' % (path, shlex.quote(expected), tries,
                                        int(_POLL_SECONDS * 1e6),
                                        _POLL_SECONDS, path))
