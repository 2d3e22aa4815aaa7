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

import os
import subprocess
import tempfile

import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SHIM = os.path.join(TOP_DIR, 'tools', 'lib', 'devstack-shim')

OS_RELEASES = {
    'bookworm': 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
    'trixie': 'ID=debian\nVERSION_ID="13"\nVERSION_CODENAME=trixie\n',
    'noble': 'ID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n'
             'UBUNTU_CODENAME=noble\n',
    'rhel9': 'ID="rocky"\nVERSION_ID="9.6"\n',
    'rhel10': 'ID="centos"\nVERSION_ID="10"\n',
}


class TestShim(testtools.TestCase):

    def bash(self, script, os_release='bookworm'):
        with tempfile.NamedTemporaryFile('w', suffix='os-release') as f:
            f.write(OS_RELEASES[os_release])
            f.flush()
            env = dict(os.environ, DEVSTACK_SHIM_OS_RELEASE=f.name)
            return subprocess.run(
                ['bash', '-c', 'source "$0"; ' + script, SHIM], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                universal_newlines=True, check=False)

    def test_distro_names_follow_devstack(self):
        for name in OS_RELEASES:
            out = self.bash('echo "$DISTRO"; is_ubuntu && echo deb; '
                            'is_fedora && echo rpm; true', name)
            family = 'rpm' if name.startswith('rhel') else 'deb'
            self.assertEqual('%s\n%s\n' % (name, family), out.stdout, name)

    def test_vendor_and_release(self):
        out = self.bash('echo "$os_VENDOR|$os_RELEASE|$os_CODENAME"', 'noble')
        self.assertEqual('Ubuntu|24.04|noble\n', out.stdout)

    def test_die_exits_with_the_message(self):
        out = self.bash('die $LINENO "QEMU 4.2 is too old: need >= 5.0"; '
                        'echo not reached')
        self.assertEqual(1, out.returncode)
        self.assertEqual('', out.stdout)
        self.assertIn('ERROR: QEMU 4.2 is too old: need >= 5.0', out.stderr)

    def test_warn_goes_on(self):
        out = self.bash('warn $LINENO "careful"; echo after')
        self.assertEqual(0, out.returncode)
        self.assertEqual('after\n', out.stdout)
        self.assertIn('WARNING: careful', out.stderr)

    def test_trueorfalse(self):
        out = self.bash('A=yes; B=0; C=""; D=bogus; '
                        'for v in A B C D UNSET; do '
                        'trueorfalse True $v; done')
        self.assertEqual('True\nFalse\nTrue\nTrue\nTrue\n', out.stdout)
        out = self.bash('trueorfalse False UNSET')
        self.assertEqual('False\n', out.stdout)

    def test_missing_os_release(self):
        env = dict(os.environ, DEVSTACK_SHIM_OS_RELEASE='/nonexistent')
        out = subprocess.run(['bash', '-c', 'source "$0"', SHIM], env=env,
                             stderr=subprocess.PIPE,
                             universal_newlines=True, check=False)
        self.assertNotEqual(0, out.returncode)
        self.assertIn('cannot read /nonexistent', out.stderr)
