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

"""The guest-side commands: how they are built, and run for real.

The real runs use busybox (the shell and applets of CirrOS and of the
project's SSH guest image) as root on a real read-only bind mount, the
way nova's view reaches virtiofsd, and on a writable one: each tampering
operation must be refused by the first and change what the host snapshot
shows on the second.
"""

import os
import shutil
import subprocess
import threading
import types

import ddt
import fixtures
from tempest.lib import exceptions as lib_exc
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import compute_ssh
from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.common import tampering

from tests.unit.tempest_plugin import fakes

# What each operation changes on a writable share (tampering.changes).
CHANGED = {
    'overwrite': 'sha256', 'truncate': 'size', 'delete': 'missing',
    'rename': 'siblings', 'chmod': 'mode', 'chown': 'uid',
    'touch': 'mtime_ns', 'setxattr': 'xattrs', 'hard link': 'nlink',
}


class RecordingRemote(object):

    def __init__(self, output=''):
        self.commands = []
        self.output = output

    def exec_command(self, cmd):
        self.commands.append(cmd)
        return self.output


class TestCommands(base.TestCase):

    def test_parse_attempt(self):
        self.assertEqual((0, 'ok'),
                         guest_share.parse_attempt('ok\nvs-exit-status=0\n'))
        self.assertEqual((30, 'a\nb'), guest_share.parse_attempt(
            'a\nb\nvs-exit-status=30'))
        e = self.assertRaises(ValueError, guest_share.parse_attempt, 'x')
        self.assertIn('no exit status', str(e))

    def test_mount_modes(self):
        remote = RecordingRemote('vs-exit-status=0')
        share = guest_share.GuestShare(remote, 'scaphandre', '/mnt/s')
        share.mount()
        share.mount(guest_share.AFTER_REMOUNT_RW)
        plain, remount = remote.commands
        self.assertIn('mount -t virtiofs scaphandre /mnt/s', plain)
        self.assertNotIn('remount', plain)
        self.assertIn('mount -t virtiofs -o ro scaphandre /mnt/s && mount '
                      '-o remount,rw /mnt/s', remount)
        self.assertTrue(plain.startswith('sudo sh -c '))
        self.assertRaises(ValueError, share.mount, 'rw')

    def test_mount_failure_names_the_tag(self):
        remote = RecordingRemote('mount: no such device\nvs-exit-status=32')
        share = guest_share.GuestShare(remote, 'scaphandre', '/mnt/s')
        e = self.assertRaises(lib_exc.TempestException, share.mount)
        self.assertIn('could not mount tag scaphandre at /mnt/s (as '
                      'mounted): mount: no such device', str(e))

    def test_unknown_operation(self):
        self.assertRaises(ValueError, tampering.command, 'scribble', '/x')


class BusyboxRemote(object):
    """Stands in for RemoteClient: busybox sh as root on this host."""

    def __init__(self, bindir):
        self.env = {'PATH': bindir}
        self.shell = os.path.join(bindir, 'sh')

    def exec_command(self, cmd):
        proc = subprocess.run([self.shell, '-c', cmd], capture_output=True,
                              text=True, timeout=60, env=self.env)
        if proc.returncode:
            raise lib_exc.SSHExecCommandFailed(
                command=cmd, exit_status=proc.returncode,
                stderr=proc.stderr, stdout=proc.stdout)
        return proc.stdout


@ddt.ddt
class TestRealShare(base.TestCase):

    def setUp(self):
        super(TestRealShare, self).setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root to make bind mounts')
        busybox = shutil.which('busybox')
        if not busybox:
            self.skipTest('busybox is not installed (bindep: busybox-static)')
        tmp = self.useFixture(fixtures.TempDir()).path
        bindir = os.path.join(tmp, 'bin')
        os.mkdir(bindir)
        applets = subprocess.run([busybox, '--list'], capture_output=True,
                                 text=True, check=True).stdout.split()
        for applet in applets:
            os.symlink(busybox, os.path.join(bindir, applet))
        setfattr = shutil.which('setfattr')
        if setfattr and 'setfattr' not in applets:
            os.symlink(setfattr, os.path.join(bindir, 'setfattr'))
        with open(os.path.join(bindir, 'sudo'), 'w') as f:
            f.write('#!%s/sh\nexec "$@"\n' % bindir)
        os.chmod(os.path.join(bindir, 'sudo'), 0o755)
        self.host_dir = os.path.join(tmp, 'instance-1')
        self.share_dir = os.path.join(tmp, 'share')
        os.mkdir(self.host_dir)
        os.mkdir(self.share_dir)
        self.share = guest_share.GuestShare(BusyboxRemote(bindir), 'tag',
                                            self.share_dir)
        self.useFixture(fixtures.MonkeyPatch(
            'tempest.lib.common.ssh.Client', fakes.LocalShell))
        self.compute = compute_ssh.ComputeSSHClient(
            'localhost', types.SimpleNamespace(
                compute_addresses={}, compute_ssh_user='root',
                compute_ssh_private_key_path=''))

    def _bind(self, read_only):
        try:
            subprocess.run(['mount', '--bind', self.host_dir,
                            self.share_dir], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as e:
            self.skipTest('cannot bind mount here: %s' % e)
        self.addCleanup(subprocess.run, ['umount', self.share_dir])
        if read_only:
            subprocess.run(['mount', '-o', 'remount,bind,ro',
                            self.share_dir], check=True)

    def _host_file(self):
        path = os.path.join(self.host_dir, 'energy_uj')
        self.compute.write_file(path, '123456789', mtime=1000000000)
        return path

    def _skip_without_tool(self, operation):
        status, out = self.share.attempt(tampering.control_command(
            operation, os.path.join(self.useFixture(
                fixtures.TempDir()).path, 'control')))
        if status:
            self.skipTest('%s cannot run here: %s' % (operation, out))

    @ddt.data(*sorted(tampering.OPERATIONS))
    def test_read_only_share_refuses_and_host_keeps_the_file(self,
                                                             operation):
        self._skip_without_tool(operation)
        self._bind(read_only=True)
        path = self._host_file()
        before = self.compute.snapshot(path)
        status, out = self.share.attempt(tampering.command(
            operation, self.share.path('energy_uj')))
        self.assertNotEqual(0, status, out)
        self.assertIn('Read-only file system', out)
        self.assertEqual([], tampering.changes(before,
                                               self.compute.snapshot(path)))

    @ddt.data(*sorted(tampering.OPERATIONS))
    def test_writable_share_shows_the_change(self, operation):
        self._skip_without_tool(operation)
        self._bind(read_only=False)
        path = self._host_file()
        before = self.compute.snapshot(path)
        self.assertEqual('0o100644', before['mode'])
        self.assertEqual(1000000000 * 10 ** 9, before['mtime_ns'])
        status, out = self.share.attempt(tampering.command(
            operation, self.share.path('energy_uj')))
        self.assertEqual(0, status, out)
        changes = tampering.changes(before, self.compute.snapshot(path))
        self.assertIn(CHANGED[operation], [c.split(':')[0] for c in changes])

    def test_read_names_and_refused_write(self):
        self._bind(read_only=True)
        self.compute.write_file(os.path.join(self.host_dir, 'a b'), 'x y')
        self.assertEqual('x y', self.share.read('a b'))
        self.assertEqual(['a b'], self.share.names())
        status, out = self.share.try_write('probe')
        self.assertNotEqual(0, status)
        self.assertIn('Read-only file system', out)
        self.assertFalse(os.path.exists(os.path.join(self.host_dir,
                                                     'probe')))

    def test_wait_for_content_sees_a_rename_and_gives_up_in_time(self):
        self._bind(read_only=True)
        path = os.path.join(self.host_dir, 'energy_uj')
        self.compute.write_file(path, '1000')
        timer = threading.Timer(0.3, self.compute.replace_file,
                                (path, '2000'))
        timer.start()
        self.addCleanup(timer.cancel)
        self.assertEqual('2000', self.share.wait_for_content(
            'energy_uj', '2000', 5).strip())
        self.assertEqual('2000', self.share.wait_for_content(
            'energy_uj', '3000', 0.3).strip())
        self.assertEqual([], [n for n in os.listdir(self.host_dir)
                              if n != 'energy_uj'])
