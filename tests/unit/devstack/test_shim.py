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

"""tools/lib/devstack-shim behaves as devstack's functions-common.

The shim is what tools/e2e-check and tools/hugepages run the plugin's
libraries with, and what the unit tests' devstack double is built on, so
a difference from devstack would hide a bug in one of them.
"""

import os
import subprocess

import testtools

from tests.unit.devstack import base

SHIM = os.path.join(base.TOP_DIR, 'tools', 'lib', 'devstack-shim')
DOUBLE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      'fake-devstack-functions.sh')


class TestShimSemantics(testtools.TestCase):

    def bash(self, script, source=SHIM, errexit=False):
        env = {'PATH': os.environ['PATH'], 'os_VENDOR': 'Debian',
               'os_PACKAGE': 'deb', 'FAKE_DEVSTACK_LOG': '/dev/null'}
        lines = ['source %s' % source]
        if errexit:
            lines.append('set -o errexit')
        return subprocess.run(['bash', '-c', '\n'.join(lines + [script])],
                              env=env, capture_output=True, text=True)

    def test_trueorfalse_takes_devstack_s_words_only(self):
        for source in (SHIM, DOUBLE):
            out = self.bash(
                'for v in 1 yes Yes YES true True TRUE 0 no No NO false '
                'False FALSE on y t off "" bogus; do X=$v; '
                'trueorfalse Default X; done; trueorfalse Default UNSET',
                source)
            self.assertEqual(['True'] * 7 + ['False'] * 7 + ['Default'] * 7,
                             out.stdout.split(), source)

    def test_warn_returns_the_status_before_it(self):
        # devstack's warn keeps the failure: "cmd || warn" still stops a
        # stack.sh running with errexit.
        for source in (SHIM, DOUBLE):
            out = self.bash('false || warn $LINENO "careful"; echo after',
                            source, errexit=True)
            self.assertNotEqual(0, out.returncode, source)
            self.assertNotIn('after', out.stdout)
            self.assertIn('careful', out.stderr)
            out = self.bash('true; warn $LINENO "careful"; echo after',
                            source, errexit=True)
            self.assertEqual('after\n', out.stdout, source)

    def test_die_keeps_a_failed_status_or_gives_1(self):
        for source in (SHIM, DOUBLE):
            out = self.bash('(exit 3) || die $LINENO "boom"', source)
            self.assertEqual(3, out.returncode, source)
            self.assertIn('boom', out.stderr)
            out = self.bash('die $LINENO "boom"; echo not reached', source)
            self.assertEqual(1, out.returncode, source)
            self.assertEqual('', out.stdout)

    def test_is_ubuntu_follows_the_package_type(self):
        out = self.bash('is_ubuntu && echo deb; os_PACKAGE=rpm; '
                        'is_ubuntu || echo not-deb; '
                        'os_VENDOR=RockyLinux; is_fedora && echo rpm')
        self.assertEqual('deb\nnot-deb\nrpm\n', out.stdout)

    def test_distribution_read_only_when_not_given(self):
        env = {'PATH': os.environ['PATH'], 'os_VENDOR': 'Ubuntu',
               'DEVSTACK_SHIM_OS_RELEASE': '/nonexistent'}
        out = subprocess.run(['bash', '-c', 'source %s; echo "$os_VENDOR"'
                              % SHIM], env=env, capture_output=True,
                             text=True)
        self.assertEqual('Ubuntu\n', out.stdout, out.stderr)
