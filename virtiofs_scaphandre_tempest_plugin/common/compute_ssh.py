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

"""Commands on a compute host over SSH (tempest.lib's paramiko client)."""

import json
import posixpath
import shlex

from oslo_log import log as logging
from tempest.lib.common import ssh

LOG = logging.getLogger(__name__)


def compute_address(host, addresses):
    """Return the address to SSH to for the nova-compute host ``host``.

    ``addresses`` is ``[virtiofs_scaphandre] compute_addresses``. The host
    name is looked up as given, then by its short name (nova may report an
    FQDN where the operator wrote the short name); an unlisted host is
    reached by its name.
    """
    if not host:
        raise ValueError('the server has no compute host; is it scheduled?')
    for key in (host, host.split('.', 1)[0]):
        address = (addresses or {}).get(key)
        if address:
            return address.strip()
    return host


def sudo_command(command, user):
    """Wrap a shell command so that it runs as root on the compute."""
    if user == 'root':
        return 'sh -c %s' % shlex.quote(command)
    return 'sudo -n sh -c %s' % shlex.quote(command)


def last_line(output):
    """Last non-empty line of a command's output, or None."""
    lines = [line.strip() for line in (output or '').splitlines()
             if line.strip()]
    return lines[-1] if lines else None


# Prints, as JSON, what a tampering attempt could change about one file:
# content, mode, owner, times, links, extended attributes, and the names
# next to it that start with its name (the tampering rename and hard link
# add one; the exporter's own files, which it may write at any time, are
# left out). Run by the compute's python3, which devstack always has.
_SNAPSHOT_SCRIPT = """
import hashlib, json, os, sys
path = sys.argv[1]
name = os.path.basename(path)
result = {'siblings': sorted(n for n in os.listdir(os.path.dirname(path))
                             if n.startswith(name))}
try:
    st = os.lstat(path)
except FileNotFoundError:
    result['missing'] = True
else:
    with open(path, 'rb') as f:
        result['sha256'] = hashlib.sha256(f.read()).hexdigest()
    result.update(
        mode=oct(st.st_mode), uid=st.st_uid, gid=st.st_gid,
        size=st.st_size, mtime_ns=st.st_mtime_ns, ctime_ns=st.st_ctime_ns,
        nlink=st.st_nlink, ino=st.st_ino,
        xattrs={n: os.getxattr(path, n, follow_symlinks=False).hex()
                for n in os.listxattr(path, follow_symlinks=False)})
print(json.dumps(result, sort_keys=True))
"""


def is_read_only(options):
    """Whether findmnt's comma-separated OPTIONS mark a read-only mount."""
    return 'ro' in (options or '').split(',')


class ComputeSSHClient(object):
    """Runs commands as root on one compute host."""

    def __init__(self, host, group):
        """Client for one compute.

        :param host: nova-compute service host name.
        :param group: the [virtiofs_scaphandre] config group.
        """
        self.host = host
        self.address = compute_address(host, group.compute_addresses)
        self.user = group.compute_ssh_user
        self.key_filename = group.compute_ssh_private_key_path

    def execute(self, command):
        client = ssh.Client(self.address, self.user,
                            key_filename=self.key_filename)
        full = sudo_command(command, self.user)
        LOG.debug('On compute %s (%s): %s', self.host, self.address, full)
        return client.exec_command(full)

    def dumpxml(self, domain):
        return self.execute('virsh dumpxml %s' % shlex.quote(domain))

    def mount_options(self, path):
        """Options of the mount whose mount point is ``path``, or None.

        The last line wins: it is the mount on top when several are
        stacked on the same directory.
        """
        out = self.execute('findmnt -n -o OPTIONS --mountpoint %s || true'
                           % shlex.quote(path))
        return last_line(out)

    def file_identity(self, path):
        """"device:inode" of a path; a bind mount shows its source's."""
        return last_line(self.execute('stat -L -c %%d:%%i %s'
                                      % shlex.quote(path)))

    def write_file(self, path, content, mtime=None):
        """Write ``content``; with ``mtime``, set that modification time.

        One command either way: each SSH connection costs a key exchange.
        """
        command = 'printf %%s %s > %s' % (shlex.quote(content),
                                          shlex.quote(path))
        if mtime is not None:
            command += ' && touch -m -d @%d %s' % (mtime, shlex.quote(path))
        self.execute(command)

    def exists(self, path):
        out = self.execute('if test -e %s; then echo yes; else echo no; fi'
                           % shlex.quote(path))
        return last_line(out) == 'yes'

    def remove_file(self, *paths):
        self.execute('rm -f %s' % ' '.join(shlex.quote(p) for p in paths))

    def replace_file(self, path, content):
        """Write a new file and rename it over ``path`` in one step."""
        tmp = posixpath.join(posixpath.dirname(path),
                             '.%s.new' % posixpath.basename(path))
        self.execute('printf %%s %s > %s && mv -f %s %s' % (
            shlex.quote(content), shlex.quote(tmp), shlex.quote(tmp),
            shlex.quote(path)))

    def snapshot(self, path):
        """What a tampering attempt could change about ``path`` (a dict)."""
        out = self.execute('python3 -c %s %s' % (
            shlex.quote(_SNAPSHOT_SCRIPT), shlex.quote(path)))
        return json.loads(last_line(out))

    def mounts_under(self, path):
        """Mount points at ``path`` or below it, as findmnt lists them."""
        out = self.execute('findmnt -rn -o TARGET')
        prefix = path.rstrip('/') + '/'
        # findmnt -r escapes blanks and backslashes as \xNN.
        targets = [line.strip().encode().decode('unicode_escape')
                   for line in out.splitlines() if line.strip()]
        return [t for t in targets if t == path or t.startswith(prefix)]

    def run(self, command):
        """Run an operator-supplied command line as root."""
        return self.execute(command)

    def append_file(self, path, text):
        self.execute('printf %%s %s >> %s' % (shlex.quote(text),
                                              shlex.quote(path)))

    def copy_file(self, source, destination):
        """Copy keeping mode, owner and times."""
        self.execute('cp -p %s %s' % (shlex.quote(source),
                                      shlex.quote(destination)))
