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

"""tools/nova-patches lint: the commit checks of nova's reviewers."""

import os
import subprocess

import fixtures
import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(TOP_DIR, 'tools', 'nova-patches')
BASE = '34.0.0'
AUTHOR = 'Test Author'
EMAIL = 'author@example.com'
SIGN_OFF = 'Signed-off-by: %s <%s>' % (AUTHOR, EMAIL)
CHANGE_ID = 'Change-Id: I' + 'a' * 40
OTHER_ID = 'Change-Id: I' + 'b' * 40


class TestNovaPatchesLint(testtools.TestCase):

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.patches = os.path.join(tmp, 'nova_patches')
        os.makedirs(self.patches)
        with open(os.path.join(self.patches, 'BASE'), 'w') as f:
            f.write(BASE + '\n')
        self.env = dict(
            os.environ, NOVA_PATCHES_DIR=self.patches,
            GIT_AUTHOR_NAME=AUTHOR, GIT_AUTHOR_EMAIL=EMAIL,
            GIT_COMMITTER_NAME=AUTHOR, GIT_COMMITTER_EMAIL=EMAIL)
        self.repo = os.path.join(tmp, 'nova')
        os.makedirs(os.path.join(self.repo, 'nova'))
        self._write('nova/__init__.py', '')
        self._git('init', '-q')
        self._git('add', '-A')
        self._git('commit', '-q', '-m', 'nova %s' % BASE)
        self._git('tag', BASE)
        self.count = 0

    def _write(self, name, text):
        with open(os.path.join(self.repo, name), 'w') as f:
            f.write(text)

    def _git(self, *args):
        return subprocess.run(
            ['git', '-C', self.repo] + list(args), env=self.env, check=True,
            capture_output=True, text=True).stdout

    def _commit(self, message):
        self.count += 1
        self._write('nova/f%d.py' % self.count, 'X = 1\n')
        self._git('add', '-A')
        self._git('commit', '-q', '--cleanup=verbatim', '-m', message)

    def _message(self, subject='api: Add a thing', body='Why it is needed.',
                 trailers=(SIGN_OFF, CHANGE_ID)):
        return '%s\n\n%s\n\n%s\n' % (subject, body, '\n'.join(trailers))

    def _lint(self):
        out = subprocess.run([TOOL, 'export', self.repo], env=self.env,
                             capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stderr)
        return subprocess.run([TOOL, 'lint'], env=self.env,
                              capture_output=True, text=True)

    def assert_fails(self, *expected):
        out = self._lint()
        self.assertEqual(1, out.returncode, out.stdout + out.stderr)
        for text in expected:
            self.assertIn(text, out.stderr)
        return out

    def test_good_series(self):
        self._commit(self._message())
        self._commit(self._message(
            subject='libvirt: Add another thing',
            body='See https://docs.openstack.org/nova/latest/a/very/long/'
                 'address/that/is/longer/than/seventy-two/characters.html',
            trailers=('Implements: blueprint virtiofs-scaphandre', SIGN_OFF,
                      OTHER_ID)))
        out = self._lint()
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('2 commit messages pass', out.stdout)

    def test_no_sign_off(self):
        self._commit(self._message(trailers=(CHANGE_ID,)))
        self.assert_fails("no '%s' trailer" % SIGN_OFF,
                          '1 of 1 commit messages fail')

    def test_sign_off_by_someone_else(self):
        self._commit(self._message(trailers=(
            'Signed-off-by: Someone Else <else@example.com>', CHANGE_ID)))
        self.assert_fails("no '%s' trailer" % SIGN_OFF)

    def test_sign_off_not_in_the_trailers(self):
        self._commit(self._message(body=SIGN_OFF, trailers=(CHANGE_ID,)))
        self.assert_fails("no '%s' trailer" % SIGN_OFF)

    def test_no_change_id(self):
        self._commit(self._message(trailers=(SIGN_OFF,)))
        self.assert_fails('0 Change-Id lines, exactly one is needed')

    def test_two_change_ids(self):
        self._commit(self._message(trailers=(SIGN_OFF, CHANGE_ID,
                                             OTHER_ID)))
        self.assert_fails('2 Change-Id lines, exactly one is needed')

    def test_malformed_change_id(self):
        self._commit(self._message(trailers=(SIGN_OFF, 'Change-Id: 1234')))
        self.assert_fails("not 'I' and 40 hex digits")

    def test_change_id_used_twice(self):
        self._commit(self._message())
        self._commit(self._message(subject='api: Add a second thing'))
        self.assert_fails('Change-Id I%s is also used by an earlier patch' %
                          ('a' * 40), '1 of 2 commit messages fail')

    def test_subject_over_our_limit(self):
        subject = 'libvirt: ' + 'x' * 52
        self.assertEqual(61, len(subject))
        self._commit(self._message(subject=subject))
        self.assert_fails('subject is 61 characters, over 60')

    def test_subject_over_novas_limit(self):
        subject = 'libvirt: ' + 'x' * 64
        self._commit(self._message(subject=subject))
        self.assert_fails("subject is 73 characters, nova's limit is 72")

    def test_subject_with_period(self):
        self._commit(self._message(subject='api: Add a thing.'))
        self.assert_fails('subject ends with a period')

    def test_fixup_subject(self):
        self._commit(self._message(subject='fixup! api: Add a thing'))
        self.assert_fails('subject marks unfinished work')

    def test_long_body_line(self):
        self._commit(self._message(body='word ' * 15))
        self.assert_fails('body line over 72 characters')


class TestRepositorySeries(testtools.TestCase):

    def test_series_passes_lint(self):
        env = dict(os.environ)
        env.pop('NOVA_PATCHES_DIR', None)
        out = subprocess.run([TOOL, 'lint'], env=env, capture_output=True,
                             text=True)
        self.assertEqual(0, out.returncode, out.stderr)
