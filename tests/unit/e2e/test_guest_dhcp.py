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

"""The SSH guest's udhcpc event script, with a recording `ip`."""

import os
import shutil
import subprocess
import tempfile

import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SCRIPT = os.path.join(TOP_DIR, 'tools', 'guest', 'ssh-image.d',
                      'udhcpc.script')


class GuestDhcpScriptTest(testtools.TestCase):

    def setUp(self):
        super(GuestDhcpScriptTest, self).setUp()
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)
        self.log = os.path.join(self.dir, 'ip.log')
        ip = os.path.join(self.dir, 'ip')
        with open(ip, 'w') as f:
            f.write('#!/bin/sh\necho "ip $*" >> %s\n' % self.log)
        os.chmod(ip, 0o755)

    def bound(self, **lease):
        env = {'PATH': '%s:/usr/bin:/bin' % self.dir, 'interface': 'eth0',
               'ip': '10.0.0.3', 'mask': '28', 'router': '10.0.0.1'}
        env.update(lease)
        # /etc/resolv.conf is the guest's; keep the host's out of reach.
        text = open(SCRIPT).read().replace('/etc/resolv.conf',
                                           self.dir + '/resolv.conf')
        r = subprocess.run(['sh', '-c', text, 'udhcpc.script', 'bound'],
                           env=env, capture_output=True, text=True)
        self.assertEqual(0, r.returncode, r.stderr)
        with open(self.log) as f:
            return f.read().splitlines()

    def test_metadata_route_from_option_121(self):
        calls = self.bound(staticroutes='169.254.169.254/32 10.0.0.2 '
                                        '0.0.0.0/0 10.0.0.1')
        self.assertIn('ip -4 addr add 10.0.0.3/28 dev eth0', calls)
        self.assertIn('ip -4 route replace 169.254.169.254/32 via 10.0.0.2 '
                      'dev eth0', calls)
        self.assertIn('ip -4 route replace 0.0.0.0/0 via 10.0.0.1 dev eth0',
                      calls)

    def test_on_link_route_and_no_option_121(self):
        calls = self.bound(staticroutes='10.1.0.0/24 0.0.0.0')
        self.assertIn('ip -4 route replace 10.1.0.0/24 dev eth0', calls)
        calls = self.bound()
        self.assertEqual(['ip -4 route replace default via 10.0.0.1 dev '
                          'eth0'], [c for c in calls if 'route' in c][-1:])
