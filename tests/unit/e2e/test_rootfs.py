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

"""tools/lib/e2e-rootfs: the mirror it picks and the key of its cache."""

import os
import subprocess
import tempfile

import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
LIB = os.path.join(TOP_DIR, 'tools', 'lib', 'e2e-rootfs')


class TestRootfsLib(testtools.TestCase):

    def setUp(self):
        super(TestRootfsLib, self).setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.sources = os.path.join(self.tmp, 'sources')
        self.cas = os.path.join(self.tmp, 'cas')
        os.makedirs(self.sources)
        os.makedirs(self.cas)

    def write(self, path, text):
        with open(path, 'w') as f:
            f.write(text)

    def bash(self, script, **extra):
        env = dict(os.environ)
        for name in ('E2E_ROOTFS_MIRROR', 'E2E_ROOTFS_PACKAGES'):
            env.pop(name, None)
        sources = [os.path.join(self.sources, n)
                   for n in ('debian.sources', 'sources.list')]
        env.update(E2E_ROOTFS_APT_SOURCES=' '.join(sources),
                   E2E_ROOTFS_CA_DIR=self.cas)
        env.update(extra)
        out = subprocess.run(['bash', '-c', 'source "$0"; ' + script, LIB],
                             env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True,
                             check=False)
        self.assertEqual(0, out.returncode, out.stderr)
        return out.stdout.strip()

    def test_mirror_from_deb822_sources(self):
        self.write(os.path.join(self.sources, 'debian.sources'),
                   'Types: deb\nURIs: http://mirror.example/debian\n'
                   'Suites: bookworm bookworm-updates\n\n'
                   'Types: deb\nURIs: http://mirror.example/debian-security\n'
                   'Suites: bookworm-security\n')
        self.assertEqual('http://mirror.example/debian',
                         self.bash('e2e_rootfs_mirror'))

    def test_mirror_from_one_line_sources(self):
        self.write(os.path.join(self.sources, 'sources.list'),
                   'deb [arch=amd64] http://ftp.example/debian/ bookworm '
                   'main\n')
        self.assertEqual('http://ftp.example/debian/',
                         self.bash('e2e_rootfs_mirror'))

    def test_mirror_default_and_override(self):
        self.assertEqual('http://deb.debian.org/debian',
                         self.bash('e2e_rootfs_mirror'))
        self.assertEqual('http://other/debian', self.bash(
            'e2e_rootfs_mirror', E2E_ROOTFS_MIRROR='http://other/debian'))

    def test_key_follows_every_input(self):
        key = self.bash('e2e_rootfs_key trixie http://m/debian')
        self.assertRegex(key, '^[0-9a-f]{16}$')
        self.assertEqual(key, self.bash('e2e_rootfs_key trixie '
                                        'http://m/debian'))
        self.assertNotEqual(key, self.bash('e2e_rootfs_key forky '
                                           'http://m/debian'))
        self.assertNotEqual(key, self.bash('e2e_rootfs_key trixie '
                                           'http://n/debian'))
        self.assertNotEqual(key, self.bash(
            'e2e_rootfs_key trixie http://m/debian',
            E2E_ROOTFS_PACKAGES='qemu-system-x86'))
        self.write(os.path.join(self.cas, 'proxy.crt'), 'CERT\n')
        self.assertNotEqual(key, self.bash('e2e_rootfs_key trixie '
                                           'http://m/debian'))

    def test_only_chosen_variables_enter(self):
        out = self.bash('env E2E_X=1 PIP_CERT=/c SECRET=s env | '
                        'grep -E "$E2E_ROOTFS_ENV_PATTERN" | sort')
        self.assertIn('E2E_X=1', out)
        self.assertNotIn('PIP_CERT', out)
        self.assertNotIn('SECRET', out)
