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

"""The compute-side commands, run for real on this host.

ComputeSSHClient builds shell commands for a compute; here they run
through a local shell instead of SSH (as root, so without sudo), on a
real read-only bind mount like the view nova makes.
"""

import os
import subprocess
import types

import fixtures
from tempest.lib.common import ssh
from tempest.lib import exceptions as lib_exc
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import compute_ssh
from virtiofs_scaphandre_tempest_plugin.common import domain_xml

from tests.unit.tempest_plugin import fakes


class TestComputeCommands(base.TestCase):

    def setUp(self):
        super(TestComputeCommands, self).setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root to make a bind mount')
        self.useFixture(fixtures.MonkeyPatch(
            'tempest.lib.common.ssh.Client', fakes.LocalShell))
        tmp = self.useFixture(fixtures.TempDir()).path
        self.host_dir = os.path.join(tmp, 'scaphandre')
        self.writable = domain_xml.writable_dir(self.host_dir, 'instance-1')
        self.view = domain_xml.readonly_view(os.path.join(tmp, 'view'),
                                             'instance-1', 'scaphandre')
        os.makedirs(self.writable)
        os.makedirs(self.view)
        group = types.SimpleNamespace(
            compute_addresses={}, compute_ssh_user='root',
            compute_ssh_private_key_path='')
        self.client = compute_ssh.ComputeSSHClient('localhost', group)
        self.assertIs(fakes.LocalShell, ssh.Client)

    def _bind(self, read_only):
        try:
            subprocess.run(['mount', '--bind', self.writable, self.view],
                           check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as e:
            self.skipTest('cannot bind mount here: %s' % e)
        self.addCleanup(subprocess.run, ['umount', self.view])
        if read_only:
            subprocess.run(['mount', '-o', 'remount,bind,ro', self.view],
                           check=True)

    def test_read_only_view(self):
        self._bind(read_only=True)
        options = self.client.mount_options(self.view)
        self.assertTrue(compute_ssh.is_read_only(options), options)
        self.assertEqual(self.client.file_identity(self.writable),
                         self.client.file_identity(self.view))
        self.assertRaises(lib_exc.SSHExecCommandFailed,
                          self.client.write_file, self.view + '/x', 'y')

    def test_plain_directory_is_not_a_mount_point(self):
        self.assertIsNone(self.client.mount_options(self.view))
        self.assertNotEqual(self.client.file_identity(self.writable),
                            self.client.file_identity(self.view))

    def test_writable_bind_mount_is_not_read_only(self):
        self._bind(read_only=False)
        self.assertFalse(compute_ssh.is_read_only(
            self.client.mount_options(self.view)))

    def test_sentinel_file_round_trip(self):
        path = os.path.join(self.writable, "sentinel it's")
        self.assertFalse(self.client.exists(path))
        self.client.write_file(path, 'token $HOME `id`')
        with open(path) as f:
            self.assertEqual('token $HOME `id`', f.read())
        self.assertTrue(self.client.exists(path))
        other = path + ' other'
        self.client.write_file(other, '')
        self.client.remove_file(path, other, path + '.never-written')
        self.assertEqual([], os.listdir(self.writable))

    def test_snapshot_of_a_file_and_of_a_missing_one(self):
        path = os.path.join(self.writable, 'energy_uj')
        self.client.write_file(path, '42', mtime=1000000000)
        os.chmod(path, 0o640)
        snap = self.client.snapshot(path)
        self.assertEqual(
            ('0o100640', 2, 1000000000 * 10 ** 9, 1, ['energy_uj'], {}),
            (snap['mode'], snap['size'], snap['mtime_ns'], snap['nlink'],
             snap['siblings'], snap['xattrs']))
        self.assertEqual(64, len(snap['sha256']))
        # What the exporter writes next to it meanwhile is not the guest's.
        self.client.write_file(os.path.join(self.writable, 'intel-rapl:0'),
                               '1')
        self.assertEqual(['energy_uj'], self.client.snapshot(path)['siblings'])
        os.rename(path, path + '.renamed')
        self.assertEqual({'missing': True, 'siblings': ['energy_uj.renamed']},
                         self.client.snapshot(path))

    def test_replace_file_renames_over_in_one_step(self):
        path = os.path.join(self.writable, 'energy_uj')
        self.client.write_file(path, '1')
        inode = os.stat(path).st_ino
        self.client.replace_file(path, '2 and more')
        with open(path) as f:
            self.assertEqual('2 and more', f.read())
        self.assertNotEqual(inode, os.stat(path).st_ino)
        self.assertEqual(['energy_uj'], os.listdir(self.writable))

    def test_mounts_under(self):
        self.assertEqual([], self.client.mounts_under(
            os.path.dirname(self.view)))
        self._bind(read_only=True)
        self.assertEqual([self.view], self.client.mounts_under(
            os.path.dirname(self.view)))
        self.assertEqual([self.view], self.client.mounts_under(self.view))
        self.assertEqual([], self.client.mounts_under(self.view + '-other'))

    def test_append_and_copy_keep_the_original(self):
        conf = os.path.join(self.host_dir, 'nova-cpu.conf')
        self.client.write_file(conf, '[DEFAULT]\nx = 1\n')
        self.client.copy_file(conf, conf + '.backup')
        self.client.append_file(conf, "[libvirt]\nfile_backed_memory = 1\n")
        with open(conf) as f:
            self.assertEqual('[DEFAULT]\nx = 1\n[libvirt]\n'
                             'file_backed_memory = 1\n', f.read())
        self.client.copy_file(conf + '.backup', conf)
        with open(conf) as f:
            self.assertEqual('[DEFAULT]\nx = 1\n', f.read())

    def test_missing_path_fails_loudly(self):
        e = self.assertRaises(lib_exc.SSHExecCommandFailed,
                              self.client.file_identity,
                              self.host_dir + '/nope')
        self.assertIn('nope', str(e))
