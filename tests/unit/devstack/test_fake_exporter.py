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

"""devstack/files/fake-scaphandre-exporter on a scratch /proc."""

import os
import subprocess

from tests.unit.devstack import base

EXPORTER = os.path.join(base.DEVSTACK_DIR, 'files',
                        'fake-scaphandre-exporter')


class TestFakeExporter(base.DevstackPluginTestCase):

    def process(self, pid, *argv):
        self.write(self.path('proc/%d/cmdline' % pid),
                   '\0'.join(argv) + '\0')

    def run_once(self, share):
        env = {'PATH': os.environ['PATH'],
               'FAKE_EXPORTER_PROC': self.path('proc'),
               'FAKE_EXPORTER_STEP_UJ': '1000'}
        return subprocess.run([EXPORTER, share, '--once'], env=env,
                              capture_output=True, text=True, timeout=60)

    def test_energy_grows_per_guest(self):
        self.process(100, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=instance-00000001,debug-threads=on', '-m', '256')
        self.process(101, '/usr/libexec/qemu-kvm', '-name',
                     'guest=instance-00000002')
        self.process(102, '/bin/bash', 'guest=not-a-vm')
        self.process(103, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=../escape')
        share = self.path('share')
        for expected in ('1000', '2000'):
            out = self.run_once(share)
            self.assertEqual(0, out.returncode, out.stderr)
            for vm in ('instance-00000001', 'instance-00000002'):
                self.assertEqual(expected, self.read(os.path.join(
                    share, vm, 'intel-rapl:0', 'energy_uj')))
                self.assertTrue(os.path.isdir(os.path.join(
                    share, vm, 'intel-rapl:0:0')))
        self.assertEqual(sorted(['instance-00000001', 'instance-00000002']),
                         sorted(os.listdir(share)))
        self.assertFalse(os.path.exists(self.path('escape')))

    def test_needs_a_directory_argument(self):
        out = subprocess.run([EXPORTER], capture_output=True, text=True)
        self.assertNotEqual(0, out.returncode)
        self.assertIn('usage', out.stderr)
