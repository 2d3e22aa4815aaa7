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

"""Checks of the repository layout and of the one test command."""

import configparser
import os
import subprocess

import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class TestToxDefaults(testtools.TestCase):

    def _tox_config(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(os.path.join(TOP_DIR, 'tox.ini'))
        return parser

    def test_default_envlist_runs_every_environment(self):
        parser = self._tox_config()
        envlist = [e.strip() for e in parser['tox']['envlist'].split(',')]
        defined = [s.split(':', 1)[1] for s in parser.sections()
                   if s.startswith('testenv:')]
        self.assertEqual(sorted(defined), sorted(envlist))

    def test_ci_runs_the_readme_test_command(self):
        with open(os.path.join(TOP_DIR, 'README.rst')) as f:
            readme = f.read()
        with open(os.path.join(TOP_DIR, '.ci', 'run')) as f:
            ci_lines = [line.strip() for line in f
                        if line.strip() and not line.startswith('#')]
        command = ci_lines[-1].replace('exec ', '', 1)
        self.assertIn(command, readme)


class TestShellLintCoverage(testtools.TestCase):

    def test_every_devstack_file_is_linted(self):
        # lint-shell decides by name and shebang; make sure nothing under
        # devstack/ that bash sources slips through.
        out = subprocess.run(
            ['tools/lint-shell', '--list'],
            cwd=TOP_DIR, capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stderr)
        listed = set(out.stdout.split())
        for root, _dirs, files in os.walk(os.path.join(TOP_DIR, 'devstack')):
            for name in files:
                path = os.path.relpath(os.path.join(root, name), TOP_DIR)
                if path.startswith('devstack/lib/') or name in (
                        'plugin.sh', 'settings'):
                    self.assertIn(path, listed)
