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

"""tools/lib/e2e-libvirt starts libvirt's daemons where none runs here.

A daemon in another mount namespace (a local cloud's container, another
root filesystem) has its own sockets; counting it as running left the
host without libvirtd and the check failed after 30 s.
"""

import os
import shutil
import subprocess
import time
import uuid

import fixtures
import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
E2E_LIBVIRT = os.path.join(TOP_DIR, 'tools', 'lib', 'e2e-libvirt')


class TestDaemonRunningHere(testtools.TestCase):

    def setUp(self):
        super(TestDaemonRunningHere, self).setUp()
        if os.geteuid() != 0 or not shutil.which('unshare'):
            self.skipTest('needs root and unshare for a mount namespace')
        tmp = self.useFixture(fixtures.TempDir()).path
        # A name no real process has, so the host's daemons do not matter.
        self.name = 'vsd%s' % uuid.uuid4().hex[:10]
        self.binary = os.path.join(tmp, self.name)
        shutil.copy(shutil.which('sleep'), self.binary)

    def start(self, *prefix):
        proc = subprocess.Popen(list(prefix) + [self.binary, '60'])
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        for _ in range(50):
            found = subprocess.run(['pgrep', '-x', self.name],
                                   stdout=subprocess.DEVNULL).returncode
            if found == 0:
                return
            time.sleep(0.1)
        self.fail('%s did not start' % self.name)

    def running_here(self):
        return subprocess.run(
            ['bash', '-c', 'source "$1"; daemon_running_here "$2"', 'bash',
             E2E_LIBVIRT, self.name], cwd=TOP_DIR).returncode

    def test_none_running(self):
        self.assertEqual(1, self.running_here())

    def test_running_in_this_namespace(self):
        self.start()
        self.assertEqual(0, self.running_here())

    def test_running_only_in_another_mount_namespace(self):
        self.start('unshare', '--mount', '--propagation', 'private')
        self.assertEqual(1, self.running_here())
