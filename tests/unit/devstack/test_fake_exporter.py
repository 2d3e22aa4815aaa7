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

"""devstack/files/fake-scaphandre-exporter writes as Scaphandre does."""

import os
import subprocess

from tests.unit.devstack import base

EXPORTER = os.path.join(base.DEVSTACK_DIR, 'files',
                        'fake-scaphandre-exporter')


class TestFakeExporter(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestFakeExporter, self).setUp()
        self.share = self.path('share')

    def process(self, pid, *argv):
        self.write(self.path('proc/%d/cmdline' % pid),
                   '\0'.join(argv) + '\0')

    def run_exporter(self, iterations, trace=False):
        env = {'PATH': os.environ['PATH'],
               'FAKE_EXPORTER_PROC': self.path('proc'),
               'FAKE_EXPORTER_STEP_UJ': '1000',
               'FAKE_EXPORTER_INTERVAL': '0'}
        argv = [EXPORTER, self.share, '--iterations', str(iterations)]
        if trace:
            # Every system call on the counter file, as Scaphandre's
            # fs::write makes them: one open with O_TRUNC, then the write.
            argv = ['strace', '-f', '-qq', '-e', 'trace=openat,write,rename,'
                    'renameat,renameat2', '-o', self.path('strace.log')] + argv
        return subprocess.run(argv, env=env, capture_output=True, text=True,
                              timeout=60)

    def counter(self, vm):
        return os.path.join(self.share, vm, 'intel-rapl:0', 'energy_uj')

    def test_vms_scaphandre_counts(self):
        self.process(100, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=instance-00000001,debug-threads=on', '-m', '256')
        # Scaphandre matches "qemu-system" in any argument, not the path.
        self.process(101, '/usr/bin/env', 'qemu-system-aarch64', '-name',
                     'guest=instance-00000002')
        # RHEL's qemu-kvm has no "qemu-system" anywhere: not a VM to it.
        self.process(102, '/usr/libexec/qemu-kvm', '-name',
                     'guest=instance-00000003')
        self.process(103, '/bin/bash', 'guest=not-a-vm')
        self.process(104, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=../escape')
        self.process(105, '/usr/bin/qemu-system-x86_64', '-m', '64')
        out = self.run_exporter(3)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(['instance-00000001', 'instance-00000002'],
                         sorted(os.listdir(self.share)))
        self.assertFalse(os.path.exists(self.path('escape')))

    def test_layout_first_value_and_growth(self):
        self.process(100, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=instance-00000001,debug-threads=on')
        # Two samples: Scaphandre has written nothing yet.
        out = self.run_exporter(2)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertFalse(os.path.exists(self.share))
        out = self.run_exporter(5)
        self.assertEqual(0, out.returncode, out.stderr)
        vm = os.path.join(self.share, 'instance-00000001')
        self.assertEqual(['intel-rapl:0', 'intel-rapl:0:0'],
                         sorted(os.listdir(vm)))
        self.assertEqual([], os.listdir(os.path.join(vm, 'intel-rapl:0:0')))
        self.assertEqual(['energy_uj'],
                         os.listdir(os.path.join(vm, 'intel-rapl:0')))
        # Third sample writes "0", the fourth and fifth add a period each;
        # no newline, as the kernel's powercap files have none either.
        self.assertEqual('2000', self.read(self.counter('instance-00000001')))
        # A VM that went away keeps its directory.
        os.unlink(self.path('proc/100/cmdline'))
        out = self.run_exporter(1)
        self.assertEqual('2000', self.read(self.counter('instance-00000001')))

    def test_rewritten_in_place_never_renamed(self):
        if not base.which('strace'):
            self.fail('strace is needed to watch the writes (bindep.txt)')
        self.process(100, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=instance-00000001')
        out = self.run_exporter(4, trace=True)
        self.assertEqual(0, out.returncode, out.stderr)
        calls = [line for line in self.read(self.path('strace.log'))
                 .splitlines() if 'energy_uj' in line or 'rename' in line]
        opens = [c for c in calls if 'openat' in c and 'O_WRONLY' in c]
        self.assertEqual(2, len(opens), calls)
        for call in opens:
            self.assertIn('O_TRUNC', call)
        self.assertEqual([], [c for c in calls if 'rename' in c])

    def test_a_counter_that_is_not_a_number_starts_again(self):
        self.process(100, '/usr/bin/qemu-system-x86_64', '-name',
                     'guest=instance-00000001')
        self.write(self.counter('instance-00000001'), '')
        out = self.run_exporter(3)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('not a counter', out.stderr)
        self.assertEqual('0', self.read(self.counter('instance-00000001')))

    def test_needs_a_directory_argument(self):
        out = subprocess.run([EXPORTER], capture_output=True, text=True)
        self.assertNotEqual(0, out.returncode)
        self.assertIn('usage', out.stderr)
