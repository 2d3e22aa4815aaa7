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

import ast
import configparser
import os
import re
import shlex
import subprocess

import testtools
import yaml

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _tox_config():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(TOP_DIR, 'tox.ini'))
    return parser


def _split_list(value):
    return [e.strip() for e in value.replace('\n', ',').split(',')
            if e.strip()]


def _labels(parser):
    labels = {}
    for line in parser['tox'].get('labels', '').splitlines():
        if '=' in line:
            name, envs = line.split('=', 1)
            labels[name.strip()] = _split_list(envs)
    return labels


def _environments(parser):
    """Defined environments, and the aliases among them (name -> target)."""
    envs, aliases = [], {}
    for section in parser.sections():
        if not section.startswith('testenv:'):
            continue
        name = section.split(':', 1)[1]
        commands = parser[section].get('commands', '').strip()
        target = re.fullmatch(r'\{\[testenv:([\w-]+)\]commands\}', commands)
        if target:
            aliases[name] = target.group(1)
        else:
            envs.append(name)
    return envs, aliases


def _code_lines(rst_text):
    """Lines of the literal and code blocks of an RST document."""
    lines, in_block = [], False
    for line in rst_text.splitlines():
        if in_block and line.strip() and not line[0].isspace():
            in_block = False
        if in_block and line.strip() and not line.lstrip().startswith(':'):
            lines.append(line.strip())
        directive = line.lstrip().startswith('.. ')
        if (line.startswith('.. code-block::')
                or (line.rstrip().endswith('::') and not directive)):
            in_block = True
    return lines


def _ci_command():
    with open(os.path.join(TOP_DIR, '.ci', 'run')) as f:
        ci_lines = [line.strip() for line in f
                    if line.strip() and not line.startswith('#')]
    return ci_lines[-1].replace('exec ', '', 1)


def _selected_environments(command, parser):
    """The environments a ``tools/bootstrap tox ...`` command runs."""
    words = shlex.split(command)
    if words[:2] != ['tools/bootstrap', 'tox']:
        raise ValueError('not a tools/bootstrap tox command: %s' % command)
    args = words[2:]
    if '-m' in args:
        return _labels(parser)[args[args.index('-m') + 1]]
    if '-e' in args:
        return _split_list(args[args.index('-e') + 1])
    return _split_list(parser['tox']['envlist'])


class TestToxEnvironments(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.parser = _tox_config()
        self.envs, self.aliases = _environments(self.parser)

    def test_all_tests_command_runs_every_environment(self):
        selected = _selected_environments(_ci_command(), self.parser)
        self.assertEqual(sorted(self.envs), sorted(selected))

    def test_aliases_point_at_environments_in_the_run(self):
        selected = _selected_environments(_ci_command(), self.parser)
        for alias, target in self.aliases.items():
            self.assertIn(target, selected, alias)
            self.assertNotIn(alias, selected, 'runs %s twice' % target)

    def test_plain_tox_is_unit_tests_lint_and_docs(self):
        # Plain `tox` must run without root and leave the host unchanged:
        # no hypervisor, devstack, nova or Zuul environment belongs here.
        envlist = _split_list(self.parser['tox']['envlist'])
        self.assertEqual(['docs', 'pep8', 'py3'], sorted(envlist))


class TestReadmeCommand(testtools.TestCase):

    def test_ci_runs_the_readme_all_tests_command(self):
        with open(os.path.join(TOP_DIR, 'README.rst')) as f:
            commands = [re.sub(r'^sudo ', '', line.split('  #')[0].strip())
                        for line in _code_lines(f.read())]
        self.assertIn(_ci_command(), commands)


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


class TestPreCommitPins(testtools.TestCase):

    def test_hooks_use_the_pinned_linters(self):
        with open(os.path.join(TOP_DIR, 'upper-constraints.txt')) as f:
            pins = dict(line.strip().lower().split('===', 1) for line in f
                        if '===' in line)
        with open(os.path.join(TOP_DIR, '.pre-commit-config.yaml')) as f:
            config = yaml.safe_load(f)
        hooks = [h for repo in config['repos'] for h in repo['hooks']]
        deps = [d for h in hooks for d in h.get('additional_dependencies', [])]
        self.assertTrue(deps)
        for dep in deps:
            name, version = dep.lower().split('==', 1)
            self.assertEqual(pins.get(name), version, dep)


MAX_FILE_LINES = 400
MAX_CLASS_LINES = 300
# The nova series is nova's code in nova's shape; its size is reviewed per
# commit (tools/nova-patches lint), not here.
SIZE_EXEMPT = ('nova_patches/',)


def _tracked_sources():
    out = subprocess.run(['git', 'ls-files', '-z'], cwd=TOP_DIR, check=True,
                         capture_output=True).stdout.decode()
    for path in filter(None, out.split('\0')):
        if path.startswith(SIZE_EXEMPT):
            continue
        full = os.path.join(TOP_DIR, path)
        if not os.path.isfile(full):
            continue
        with open(full, 'rb') as f:
            head = f.readline()
        if path.endswith('.py') or head.startswith(b'#!'):
            yield path, full


class TestModuleSizes(testtools.TestCase):
    """A newcomer reads one file or class at a time: keep them short."""

    def test_no_source_file_over_the_limit(self):
        too_long = []
        for path, full in _tracked_sources():
            with open(full, 'rb') as f:
                lines = sum(1 for _ in f)
            if lines > MAX_FILE_LINES:
                too_long.append('%s (%d lines)' % (path, lines))
        self.assertEqual([], too_long,
                         'files over %d lines' % MAX_FILE_LINES)

    def test_no_class_over_the_limit(self):
        too_long = []
        for path, full in _tracked_sources():
            if not path.endswith('.py'):
                continue
            with open(full, encoding='utf-8') as f:
                tree = ast.parse(f.read(), filename=path)
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_CLASS_LINES:
                        too_long.append('%s:%s (%d lines)' % (
                            path, node.name, length))
        self.assertEqual([], too_long,
                         'classes over %d lines' % MAX_CLASS_LINES)
