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

"""The mount table of this process's mount namespace, read and cleaned."""

import re
import subprocess

MOUNTINFO = '/proc/self/mountinfo'


def _unescape(field):
    # mountinfo escapes blanks, tabs, newlines and backslashes as \ooo.
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), field)


def entries(mountinfo=MOUNTINFO):
    """[(mount point, per-mount options, root, device)] in mount order."""
    found = []
    with open(mountinfo) as f:
        for line in f:
            fields = line.split()
            found.append((_unescape(fields[4]), fields[5],
                          _unescape(fields[3]), fields[2]))
    return found


def under(path, mountinfo=MOUNTINFO):
    """Mount points at or below path."""
    path = path.rstrip('/')
    return [mnt for mnt, _o, _r, _d in entries(mountinfo)
            if mnt == path or mnt.startswith(path + '/')]


def options(path, mountinfo=MOUNTINFO):
    """Per-mount options of the topmost mount on path, or None."""
    found = None
    for mnt, opts, _root, _dev in entries(mountinfo):
        if mnt == path:
            found = opts
    return found


def make_shared(path):
    """Make path a shared mount point of its own (a bind on itself).

    Mounts made below it then propagate to other mount namespaces that
    have a copy of it, as below / on a systemd host.
    """
    subprocess.run(['mount', '--bind', path, path], check=True)
    subprocess.run(['mount', '--make-shared', path], check=True)


def unmount_all(path):
    """Unmount everything at or below path, deepest first; [problem]."""
    problems = []
    for mnt in sorted(under(path), key=len, reverse=True):
        rc = subprocess.run(['umount', mnt], stderr=subprocess.PIPE,
                            check=False)
        if rc.returncode:
            rc = subprocess.run(['umount', '-l', mnt],
                                stderr=subprocess.PIPE, check=False)
            if rc.returncode:
                problems.append('cannot unmount %s: %s' % (
                    mnt, rc.stderr.decode().strip()))
    return problems
