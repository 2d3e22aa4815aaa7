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

"""The plugin on a real nova tree: the sdist of nova_patches/BASE.

tools/nova-tests (NOVA_TESTS_SUITES=none) downloads that sdist and builds
a venv with nova's requirements, the way tox -e nova does and in the same
cached work directory; each test unpacks the sdist into a git tree tagged
BASE, as devstack's nova checkout would be.
"""

import json
import os
import shutil
import subprocess
import tarfile

from tests.devstack import base

PATCH_TOOL = os.path.join(base.TOP_DIR, 'tools', 'nova-patches')
WORK_DIR = os.environ.get('NOVA_TESTS_WORK_DIR',
                          os.path.join(base.TOP_DIR, '.work', 'nova-tests'))
_PREPARED = {}


def series_base():
    with open(os.path.join(base.TOP_DIR, 'nova_patches', 'BASE')) as f:
        return f.read().strip()


def prepare():
    """(sdist, python with nova's requirements), built once per run."""
    if not _PREPARED:
        out = subprocess.run(
            [os.path.join(base.TOP_DIR, 'tools', 'nova-tests')],
            env=dict(os.environ, NOVA_TESTS_SUITES='none',
                     NOVA_TESTS_WORK_DIR=WORK_DIR),
            capture_output=True, text=True, timeout=3600)
        if out.returncode != 0:
            raise AssertionError('tools/nova-tests could not prepare nova %s:'
                                 '\n%s%s' % (series_base(), out.stdout,
                                             out.stderr[-2000:]))
        _PREPARED.update(
            sdist=os.path.join(WORK_DIR, 'dist',
                               'nova-%s.tar.gz' % series_base()),
            python=os.path.join(WORK_DIR, 'venv', 'bin', 'python'))
    return _PREPARED['sdist'], _PREPARED['python']


class NovaTreeTestCase(base.RealHostTestCase):

    def setUp(self):
        super(NovaTreeTestCase, self).setUp()
        self.sdist, self.nova_python = prepare()
        with tarfile.open(self.sdist) as tar:
            tar.extractall(self.path('sdist'), filter='data')
        os.makedirs(os.path.dirname(self.nova_dir), exist_ok=True)
        os.rename(self.path('sdist/nova-%s' % series_base()), self.nova_dir)
        self.git('init', '-q')
        self.git('add', '-A')
        self.git('commit', '-q', '-m', 'nova %s' % series_base())
        self.git('tag', series_base())
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = PATCH_TOOL
        self.env['ENABLED_SERVICES'] = 'n-api,n-sch,n-cpu'
        # The hugepage and package steps are tested elsewhere.
        self.env['VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT'] = '0'

    def git(self, *args):
        return subprocess.run(
            ['git', '-C', self.nova_dir, '-c', 'user.name=t', '-c',
             'user.email=t@t'] + list(args),
            check=True, capture_output=True, text=True).stdout.strip()

    def status(self):
        return self.git('status', '--porcelain').replace('?? .stestr/', '')

    def commit_series(self):
        """A nova with the feature in its history, as from a Depends-On."""
        subprocess.run([PATCH_TOOL, 'apply', self.nova_dir], check=True,
                       capture_output=True)
        self.git('add', '-A')
        self.git('commit', '-q', '-m', 'the feature')


class TestPatching(NovaTreeTestCase):

    def test_patch_twice_then_configure(self):
        script = ('virtiofs_scaphandre_apply_nova_patches && '
                  'virtiofs_scaphandre_stack_post_config')
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertIn('applied', r.stdout)
        first = (self.status(), self.git('rev-parse', 'HEAD'))
        self.assertNotEqual('', first[0])
        conf_first = self.read(self.nova_conf)
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertEqual(first, (self.status(), self.git('rev-parse', 'HEAD')))
        self.assertEqual(conf_first, self.read(self.nova_conf))
        self.assertIn('nova_patches are already applied', r.stdout)

    def test_patched_nova_reads_the_config(self):
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches && '
                          'virtiofs_scaphandre_stack_post_config')
        self.assertOK(r)
        # nova itself parses what the plugin wrote.
        code = ('import json, sys\n'
                'import nova.conf\n'
                'CONF = nova.conf.CONF\n'
                'CONF(["--config-file", sys.argv[1]], project="nova")\n'
                'print(",".join(CONF.filter_scheduler.enabled_filters))\n'
                'v = CONF.compute.share_local_fs\n'
                'print(json.dumps(v if isinstance(v, dict) '
                'else json.loads(v)))\n')
        out = self.run_cmd(self.nova_python, '-c', code, self.nova_conf,
                           env={'PYTHONPATH': self.nova_dir,
                                'PATH': os.environ['PATH']})
        self.assertEqual(0, out.returncode, out.stderr)
        filters, mapping = out.stdout.strip().split('\n')
        self.assertIn('NUMATopologyFilter', filters.split(','))
        self.assertEqual({self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']:
                          'scaphandre'}, json.loads(mapping))

    def test_other_nova_is_refused_with_commit_named(self):
        # A nova whose files the series touches changed upstream.
        target = os.path.join(self.nova_dir, 'nova', 'conf', 'compute.py')
        with open(target, 'a') as f:
            f.write('\n# diverged\n')
        self.git('commit', '-q', '-am', 'diverge')
        commit = self.git('rev-parse', '--short=12', 'HEAD')
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertDies(r, commit, 'does not carry the feature itself')
        self.assertEqual('', self.status())

    def test_failing_patch_is_named(self):
        patches = self.path('broken-series')
        shutil.copytree(os.path.join(base.TOP_DIR, 'nova_patches'), patches)
        with open(os.path.join(patches, 'series')) as f:
            names = [n.strip() for n in f
                     if n.strip() and not n.startswith('#')]
        victim = os.path.join(patches, names[-1])
        with open(victim) as f:
            lines = f.read().split('\n')
        # Break a context line of the first hunk so git apply refuses it.
        first_hunk = next(i for i, line in enumerate(lines)
                          if line.startswith('@@'))
        context = next(i for i in range(first_hunk + 1, len(lines))
                       if lines[i].startswith(' ') and lines[i].strip())
        lines[context] = ' # not what nova has' + lines[context][1:]
        with open(victim, 'w') as f:
            f.write('\n'.join(lines))
        commit = self.git('rev-parse', '--short=12', 'HEAD')
        r = self.run_bash('virtiofs_scaphandre_apply_nova_patches',
                          env={'NOVA_PATCHES_DIR': patches})
        self.assertDies(r, names[-1], commit)
        # Nothing half-done: the tree is untouched.
        self.assertEqual('', self.status())


class TestNovaCarryingTheFeature(NovaTreeTestCase):
    """nova master with the feature from a Depends-On: left alone."""

    def test_left_alone_with_the_default_setting(self):
        self.commit_series()
        # The feature as upstream reviewed it, not our series any more:
        # the option's definition is written differently, so the series
        # no longer reverses and the tool refuses this nova (not BASE).
        target = os.path.join(self.nova_dir, 'nova', 'conf', 'compute.py')
        with open(target) as f:
            text = f.read()
        self.assertIn("cfg.StrOpt('share_local_fs',", text)
        with open(target, 'w') as f:
            f.write(text.replace("cfg.StrOpt('share_local_fs',",
                                 "cfg.StrOpt(\n        'share_local_fs',"))
        self.git('commit', '-q', '-am', 'upstream review')
        out = self.run_cmd(PATCH_TOOL, 'check', self.nova_dir)
        self.assertNotEqual(0, out.returncode, out.stdout)
        head = self.git('rev-parse', 'HEAD')
        out = self.run_cmd(PATCH_TOOL, 'apply', self.nova_dir)
        self.assertNotEqual(0, out.returncode, out.stdout)
        self.assertNotIn('VIRTIOFS_SCAPHANDRE_APPLY_NOVA_PATCHES', self.env)
        r = self.run_bash('virtiofs_scaphandre_stack_pre_install && '
                          'virtiofs_scaphandre_stack_install',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertOK(r)
        self.assertEqual(2, r.stdout.count('carries the feature itself'))
        self.assertEqual((head, ''), (self.git('rev-parse', 'HEAD'),
                                      self.status()))
