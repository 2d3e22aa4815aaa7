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

"""The documented cloud-config: its file, its script run for real, and
the tempest test that runs it in a guest, against a scripted guest.
"""

import json
import os
import shlex
import shutil
import subprocess

import fixtures
from tempest.tests import base

from tests.unit.tempest_plugin import fakes
from tests.unit.tempest_plugin import scripted
from virtiofs_scaphandre_tempest_plugin.common import guest_mount
from virtiofs_scaphandre_tempest_plugin.scenario import test_guest_share

SHARE = {'type': 'share', 'bus': 'none', 'address': 'none',
         'share_id': None, 'tag': 'scaphandre'}
NIC = {'type': 'nic', 'bus': 'pci', 'address': '0000:00:03.0',
       'mac': 'fa:16:3e:00:00:01', 'tags': ['tag', 'other']}


class TestCloudConfig(base.TestCase):

    def _write(self, text):
        path = self.useFixture(fixtures.TempDir()).join('cc')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_shipped_file(self):
        script = guest_mount.script()
        self.assertTrue(script.startswith('#!/bin/sh\n'))
        self.assertIn('mount -t virtiofs -o ro', script)

    def test_not_a_cloud_config(self):
        e = self.assertRaises(ValueError, guest_mount.script,
                              self._write('write_files: []\n'))
        self.assertIn('does not start with #cloud-config', str(e))

    def test_script_missing_or_not_executable(self):
        e = self.assertRaises(ValueError, guest_mount.script,
                              self._write('#cloud-config\nwrite_files: []\n'))
        self.assertIn('must write %s exactly once' % guest_mount.SCRIPT_PATH,
                      str(e))
        e = self.assertRaises(ValueError, guest_mount.script, self._write(
            '#cloud-config\nwrite_files:\n  - path: %s\n    content: x\n'
            % guest_mount.SCRIPT_PATH))
        self.assertIn('must be executable (0755)', str(e))


class TestScriptRun(base.TestCase):
    """The script with busybox's text tools, curl, mount and modprobe faked.

    The shell is the host's POSIX sh: busybox's own would run its mount
    applet rather than the fake one.
    """

    def setUp(self):
        super(TestScriptRun, self).setUp()
        busybox = shutil.which('busybox')
        if not busybox:
            self.skipTest('busybox is not installed (bindep: busybox-static)')
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.bindir = os.path.join(self.tmp, 'bin')
        os.mkdir(self.bindir)
        for applet in ('tr', 'grep', 'sed', 'head', 'mkdir', 'cat',
                       'printf', 'echo', 'rmdir', 'mktemp'):
            os.symlink(busybox, os.path.join(self.bindir, applet))
        self.log = os.path.join(self.tmp, 'calls')
        self.meta = os.path.join(self.tmp, 'meta_data.json')
        self._fake('curl', 'cat %s' % shlex.quote(self.meta))
        self._fake('mount', 'echo "mount $*" >> %s' % shlex.quote(self.log))
        self._fake('modprobe', 'echo "modprobe $*" >> %s'
                   % shlex.quote(self.log))

    def _fake(self, name, body):
        path = os.path.join(self.bindir, name)
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n%s\n' % body)
        os.chmod(path, 0o755)

    def _run(self, devices, indent=None):
        with open(self.meta, 'w') as f:
            json.dump({'uuid': 'u', 'devices': devices, 'hostname': 'h'}, f,
                      indent=indent)
        target = os.path.join(self.tmp, 'var scaphandre')
        proc = subprocess.run(
            ['/bin/sh', '-c', guest_mount.script(),
             'mount-power-metrics', target], capture_output=True, text=True,
            env={'PATH': self.bindir}, timeout=60)
        calls = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                calls = f.read().splitlines()
        return proc, calls, target

    def test_finds_the_share_among_other_devices(self):
        for indent in (None, 2):
            if os.path.exists(self.log):
                os.unlink(self.log)
            proc, calls, target = self._run([NIC, SHARE, dict(SHARE,
                                                              tag='2nd')],
                                            indent)
            self.assertEqual(0, proc.returncode, proc.stderr)
            self.assertEqual(['modprobe virtiofs',
                              'mount -t virtiofs -o ro scaphandre %s'
                              % target], calls)
            self.assertTrue(os.path.isdir(target))

    def test_no_share_device(self):
        proc, calls, _ = self._run([NIC])
        self.assertEqual(1, proc.returncode)
        self.assertIn('no share device in meta_data.json', proc.stderr)
        self.assertEqual([], calls)


UNMOUNT = ('while grep -qs " %s " /proc/mounts; do umount %s || exit 1; '
           'done' % (guest_mount.DEFAULT_DIR, guest_mount.DEFAULT_DIR))


class FakeRemote(object):
    """A guest whose /var/scaphandre is what the script leaves there."""

    def __init__(self, cloud, server_id):
        self.cloud = cloud
        self.server_id = server_id
        self.mounted = []
        self.unmounts = 0
        # A broken script would exit 0 and mount nothing.
        self.script_mounts = True

    def exec_command(self, cmd):
        inner = shlex.split(cmd)[3] if cmd.startswith('sudo sh -c') else cmd
        server = self.cloud.servers[self.server_id]
        if inner == UNMOUNT:
            self.unmounts += 1
            self.mounted = []
            return 'vs-exit-status=0'
        if inner == 'cat /proc/mounts':
            return ''.join('%s %s virtiofs %s 0 0\n' % (fakes.TAG, d, o)
                           for d, o in self.mounted)
        if inner.startswith('cat /var/scaphandre/'):
            compute = self.cloud.computes[server.host]
            path = '%s/%s/%s' % (fakes.HOST_DIR, server.name,
                                 inner.rsplit('/', 1)[1])
            return compute.files[path].content
        if inner == guest_mount.script():
            if not self.mounted and server.shared and self.script_mounts:
                self.mounted.append((guest_mount.DEFAULT_DIR,
                                     'ro' if 'writable' not in
                                     self.cloud.broken else 'rw'))
            return 'vs-exit-status=%d' % (0 if server.shared else 32)
        raise AssertionError('unexpected guest command %r' % cmd)


class TestDocumentedGuestMount(scripted.ScenarioTestCase):

    cls = test_guest_share.GuestShareTest
    method = 'test_documented_script_mounts_the_share_read_only'

    def setUp(self):
        super(TestDocumentedGuestMount, self).setUp()
        self.test.wait_for_tag_in_metadata = lambda guest: None
        self.server = self.cloud.boot()
        self.remote = FakeRemote(self.cloud, self.server.id)
        guest = self.cloud.guest(self.server)
        guest.share.remote = self.remote
        self.test.guest = guest

    def test_mounted_once_read_only(self):
        self.run_test()
        self.assertEqual([(guest_mount.DEFAULT_DIR, 'ro')],
                         self.remote.mounted)
        self.assertEqual(1, self.remote.unmounts)

    def test_mount_left_by_an_earlier_run_is_undone_first(self):
        # Otherwise a script that mounts nothing would pass.
        self.remote.mounted.append((guest_mount.DEFAULT_DIR, 'ro'))
        self.remote.script_mounts = False
        self.assert_fails('mounts at /var/scaphandre: []')

    def test_no_share_in_the_guest(self):
        self.server.shared = False
        self.assert_fails('the documented script failed in the guest')

    def test_mounted_read_write(self):
        self.cloud.broken.add('writable')
        self.assert_fails('the script mounted virtiofs rw at /var/scaphandre')
