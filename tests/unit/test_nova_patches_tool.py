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

"""tools/nova-patches on a tiny synthetic nova git repository."""

import os
import shutil
import subprocess

import fixtures
import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TOOL = os.path.join(TOP_DIR, 'tools', 'nova-patches')
BASE = '34.0.0'

BASE_FILES = {
    'setup.cfg': '[metadata]\nname = nova\n',
    'nova/__init__.py': '',
    'nova/objects/image_meta.py': 'VERSION = "1.44"\n\nFIELDS = [\n'
                                  '    "hw_pmu",\n]\n',
    'nova/virt/hardware.py': 'def get_packed_virtqueue_constraint():\n'
                             '    return False\n',
}


class TestNovaPatchesTool(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.patches = os.path.join(self.tmp, 'nova_patches')
        os.makedirs(self.patches)
        self._write(os.path.join(self.patches, 'BASE'), BASE + '\n')
        self.env = dict(
            os.environ,
            NOVA_PATCHES_DIR=self.patches,
            GIT_AUTHOR_NAME='Test', GIT_AUTHOR_EMAIL='test@example.com',
            GIT_COMMITTER_NAME='Test', GIT_COMMITTER_EMAIL='test@example.com',
        )
        self.env.pop('NOVA_PATCHES_SKIP_BASE_CHECK', None)
        self.repo = os.path.join(self.tmp, 'nova')
        self._make_nova_repo(self.repo)

    @staticmethod
    def _write(path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)

    @staticmethod
    def _read(path):
        with open(path) as f:
            return f.read()

    def _git(self, repo, *args):
        return subprocess.run(
            ['git', '-C', repo] + list(args), env=self.env, check=True,
            capture_output=True, text=True).stdout

    def _tool(self, *args):
        return subprocess.run(
            [TOOL] + list(args), env=self.env, capture_output=True,
            text=True)

    def _make_nova_repo(self, repo):
        """nova at BASE (tag) and a branch with two commits on top."""
        for name, text in BASE_FILES.items():
            self._write(os.path.join(repo, name), text)
        self._git(repo, 'init', '-q')
        self._git(repo, 'add', '-A')
        self._git(repo, 'commit', '-q', '-m', 'nova %s' % BASE)
        self._git(repo, 'tag', BASE)
        self._git(repo, 'checkout', '-q', '-b', 'core')
        self._write(os.path.join(repo, 'nova/objects/image_meta.py'),
                    'VERSION = "1.45"\n\nFIELDS = [\n    "hw_pmu",\n'
                    '    "hw_power_metrics",\n]\n')
        self._git(repo, 'commit', '-q', '-a', '-m',
                  'objects: Add hw_power_metrics image property')
        self._write(os.path.join(repo, 'nova/virt/hardware.py'),
                    BASE_FILES['nova/virt/hardware.py'] +
                    '\n\ndef get_power_metrics_constraint():\n'
                    '    return True\n')
        self._write(os.path.join(repo, 'nova/virt/new_module.py'),
                    'NEW = True\n')
        self._git(repo, 'add', '-A')
        self._git(repo, 'commit', '-q', '-m',
                  'hardware: Add power metrics helper')
        self.branch_files = self._snapshot(repo)

    def _snapshot(self, tree):
        files = {}
        for root, dirs, names in os.walk(tree):
            dirs[:] = [d for d in dirs if d != '.git']
            for name in names:
                path = os.path.join(root, name)
                files[os.path.relpath(path, tree)] = self._read(path)
        return files

    def _export(self):
        out = self._tool('export', self.repo)
        self.assertEqual(0, out.returncode, out.stderr)
        return out

    def _checkout_base(self):
        self._git(self.repo, 'checkout', '-q', BASE)

    def test_export_writes_series_in_order(self):
        out = self._export()
        self.assertIn('exported 2 commits of %s..HEAD' % BASE, out.stdout)
        series = [line for line in self._read(
            os.path.join(self.patches, 'series')).splitlines()
            if line and not line.startswith('#')]
        self.assertEqual(
            ['0001-objects-Add-hw_power_metrics-image-property.patch',
             '0002-hardware-Add-power-metrics-helper.patch'], series)
        for name in series:
            self.assertTrue(
                os.path.isfile(os.path.join(self.patches, name)), name)

    def test_export_is_reproducible_and_drops_stale_patches(self):
        self._export()
        first = self._snapshot(self.patches)
        self._write(os.path.join(self.patches, '0009-stale.patch'), 'x')
        self._export()
        self.assertEqual(first, self._snapshot(self.patches))

    def test_export_round_trip(self):
        # export the branch, then apply it to a clean nova at BASE: the tree
        # must end up as the branch is
        self._export()
        self._checkout_base()
        self.assertNotEqual(self.branch_files, self._snapshot(self.repo))
        out = self._tool('apply', self.repo)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('applied 2 patches', out.stdout)
        self.assertEqual(self.branch_files, self._snapshot(self.repo))
        # applied without committing: HEAD is still the base
        self.assertEqual(
            self._git(self.repo, 'rev-parse', BASE + '^{commit}'),
            self._git(self.repo, 'rev-parse', 'HEAD'))
        status = self._git(self.repo, 'status', '--porcelain')
        self.assertIn(' M nova/objects/image_meta.py', status)
        self.assertIn('?? nova/virt/new_module.py', status)

    def test_reapply_is_idempotent(self):
        self._export()
        self._checkout_base()
        self.assertEqual(0, self._tool('apply', self.repo).returncode)
        applied = self._snapshot(self.repo)
        out = self._tool('apply', self.repo)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('already applied', out.stdout)
        self.assertEqual(applied, self._snapshot(self.repo))

    def test_check(self):
        self._export()
        self._checkout_base()
        out = self._tool('check', self.repo)
        self.assertEqual(1, out.returncode, out.stdout + out.stderr)
        self.assertIn('NOT applied', out.stdout)
        self.assertEqual(0, self._tool('apply', self.repo).returncode)
        out = self._tool('check', self.repo)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        self.assertIn('is applied', out.stdout)

    def test_conflict_names_the_patch_and_changes_nothing(self):
        self._export()
        self._checkout_base()
        # the second patch no longer applies; the first one still would
        self._write(os.path.join(self.repo, 'nova/virt/hardware.py'),
                    'def something_else():\n    pass\n')
        before = self._snapshot(self.repo)
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn(
            'patch 0002-hardware-Add-power-metrics-helper.patch does not '
            'apply to nova at git %s' % BASE, out.stderr)
        self.assertIn('nothing was changed', out.stderr)
        # all or nothing: the first patch was not left applied
        self.assertEqual(before, self._snapshot(self.repo))

    def test_partly_applied_series_is_reported(self):
        self._export()
        self._checkout_base()
        self._git(self.repo, 'checkout', '-q', 'core~1', '--', 'nova')
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn('does not apply', out.stderr)
        self.assertIn('seem applied already', out.stderr)

    def test_wrong_base_git(self):
        self._export()
        self._checkout_base()
        self._write(os.path.join(self.repo, 'README'), 'newer nova\n')
        self._git(self.repo, 'add', 'README')
        self._git(self.repo, 'commit', '-q', '-m', 'a later nova commit')
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn('the series is for nova %s' % BASE, out.stderr)
        self.assertIn('git %s-1-g' % BASE, out.stderr)
        self.assertNotIn('README', self._git(
            self.repo, 'status', '--porcelain'))

    def _make_sdist_tree(self, parent, version):
        tree = os.path.join(parent, 'nova-%s' % version)
        for name, text in BASE_FILES.items():
            self._write(os.path.join(tree, name), text)
        self._write(os.path.join(tree, 'PKG-INFO'),
                    'Metadata-Version: 2.1\nName: nova\nVersion: %s\n' %
                    version)
        return tree

    def test_sdist_tree_inside_another_repository(self):
        # an unpacked sdist (no git of its own) in a directory of another
        # git repository, as tools/nova-tests may do under .work/
        self._export()
        outer = os.path.join(self.tmp, 'outer')
        os.makedirs(outer)
        self._git(outer, 'init', '-q')
        tree = self._make_sdist_tree(os.path.join(outer, '.work'), BASE)
        out = self._tool('apply', tree)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn('hw_power_metrics', self._read(
            os.path.join(tree, 'nova/objects/image_meta.py')))
        self.assertTrue(os.path.isfile(
            os.path.join(tree, 'nova/virt/new_module.py')))
        self.assertEqual(0, self._tool('check', tree).returncode)

    def test_wrong_base_sdist(self):
        self._export()
        tree = self._make_sdist_tree(self.tmp, '33.1.0')
        out = self._tool('apply', tree)
        self.assertEqual(2, out.returncode)
        self.assertIn(
            'is nova 33.1.0 (PKG-INFO), the series is for nova %s' % BASE,
            out.stderr)

    def test_unknown_version(self):
        self._export()
        tree = self._make_sdist_tree(self.tmp, BASE)
        os.unlink(os.path.join(tree, 'PKG-INFO'))
        out = self._tool('apply', tree)
        self.assertEqual(2, out.returncode)
        self.assertIn('cannot tell which nova', out.stderr)

    def test_not_a_nova_tree(self):
        self._export()
        shutil.rmtree(os.path.join(self.repo, 'nova'))
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn('is not a nova source tree', out.stderr)

    def test_series_names_a_missing_patch(self):
        self._export()
        with open(os.path.join(self.patches, 'series'), 'a') as f:
            f.write('0003-missing.patch\n')
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn("patch '0003-missing.patch' listed in", out.stderr)

    def test_missing_base_file(self):
        self._export()
        os.unlink(os.path.join(self.patches, 'BASE'))
        out = self._tool('apply', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn('BASE is missing', out.stderr)

    def test_export_of_nothing_fails(self):
        self._checkout_base()
        out = self._tool('export', self.repo)
        self.assertEqual(2, out.returncode)
        self.assertIn('nothing to export', out.stderr)

    def test_unknown_command(self):
        out = self._tool('frobnicate')
        self.assertEqual(2, out.returncode)
        self.assertIn("unknown command 'frobnicate'", out.stderr)
