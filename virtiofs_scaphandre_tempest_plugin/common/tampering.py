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

"""What guest root may try against a file the host wrote.

Each operation is a shell command on ``{path}``. It must succeed on a
file of the guest's own (the control, which shows that the guest can run
it at all) and fail on the share, leaving the host's file as it was.
"""

import shlex

OPERATIONS = {
    'overwrite': 'echo tampered > {path}',
    'truncate': 'truncate -s 0 {path}',
    'delete': 'rm -f {path}',
    'rename': 'mv {path} {path}.renamed',
    'chmod': 'chmod 0777 {path}',
    'chown': 'chown 4242:4242 {path}',
    'touch': 'touch {path}',
    # trusted.* rather than user.*: the control runs on tmpfs, which only
    # takes trusted.* and security.* from root on older kernels.
    'setxattr': 'setfattr -n trusted.virtiofs_scaphandre -v tampered {path}',
    'hard link': 'ln {path} {path}.link',
}

# What the host file must keep. ctime catches any metadata change;
# siblings (names starting with the file's) catch a rename or hard link.
COMPARED = ('missing', 'sha256', 'mode', 'uid', 'gid', 'size', 'mtime_ns',
            'ctime_ns', 'nlink', 'ino', 'xattrs', 'siblings')


def command(operation, path):
    if operation not in OPERATIONS:
        raise ValueError('unknown tampering operation %r' % (operation,))
    return OPERATIONS[operation].format(path=shlex.quote(path))


def control_command(operation, directory):
    """The operation on a scratch file of a fresh tmpfs in the guest."""
    target = '%s/control' % directory
    quoted = shlex.quote(directory)
    return ('mkdir -p {d} && mount -t tmpfs vs-control {d} && '
            'echo control > {f} && ({op}); status=$?; umount {d}; '
            'exit $status').format(d=quoted, f=shlex.quote(target),
                                   op=command(operation, target))


def changes(before, after):
    """Describe what differs between two host snapshots of one file."""
    return ['%s: %r -> %r' % (key, before.get(key), after.get(key))
            for key in COMPARED if before.get(key) != after.get(key)]
