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

import hashlib
import io
import json
import os
import subprocess
import tarfile

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import constraints
from virtiofs_scaphandre.local_devstack import mirror
from virtiofs_scaphandre.local_devstack import nova_series
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner


def make_sdist(directory, name, version, files=None, tops=None):
    """A small sdist: <name>-<version>/ with a few files."""
    path = os.path.join(directory, '%s-%s.tar.gz' % (name, version))
    files = files or {'setup.py': 'import setuptools\n',
                      '%s/__init__.py' % name: 'VERSION = %r\n' % version}
    with tarfile.open(path, 'w:gz') as tar:
        for top in tops or ['%s-%s' % (name, version)]:
            for rel, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo('%s/%s' % (top, rel))
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def git(repo, *args):
    return subprocess.run(['git', '--git-dir', repo] + list(args),
                          capture_output=True, text=True, check=True
                          ).stdout.strip()


class TestRepoFromSdist(base.TestCase):

    def test_one_tagged_commit_on_every_branch(self):
        sdist = make_sdist(self.tmp, 'demo', '1.2.0')
        dest = os.path.join(self.tmp, 'demo.git')
        built = mirror.repo_from_sdist(Runner(), sdist, '1.2.0', dest,
                                       ['master', 'stable/2026.2'])
        self.assertTrue(built)
        self.assertEqual('true', git(dest, 'rev-parse',
                                     '--is-bare-repository'))
        tagged = git(dest, 'rev-parse', '1.2.0^{commit}')
        self.assertEqual(tagged, git(dest, 'rev-parse', 'master'))
        self.assertEqual(tagged, git(dest, 'rev-parse', 'stable/2026.2'))
        self.assertEqual('refs/heads/master', git(dest, 'symbolic-ref',
                                                  'HEAD'))
        self.assertEqual("VERSION = '1.2.0'",
                         git(dest, 'show', 'master:demo/__init__.py'))
        # pbr derives the version from the annotated tag.
        self.assertEqual('1.2.0', git(dest, 'describe', 'master'))

    def test_kept_when_the_tag_exists(self):
        sdist = make_sdist(self.tmp, 'demo', '1.0')
        dest = os.path.join(self.tmp, 'demo.git')
        mirror.repo_from_sdist(Runner(), sdist, '1.0', dest, ['master'])
        self.assertFalse(mirror.repo_from_sdist(Runner(), sdist, '1.0',
                                                dest, ['master']))

    def test_new_version_moves_the_branch(self):
        dest = os.path.join(self.tmp, 'demo.git')
        for version in ('1.0', '2.0'):
            sdist = make_sdist(self.tmp, 'demo', version)
            mirror.repo_from_sdist(Runner(), sdist, version, dest,
                                   ['master'])
        self.assertEqual(git(dest, 'rev-parse', '2.0^{commit}'),
                         git(dest, 'rev-parse', 'master'))

    def test_sdist_with_two_top_directories(self):
        sdist = make_sdist(self.tmp, 'demo', '1.0', tops=['a', 'b'])
        e = self.assertRaises(LocalDevstackError, mirror.repo_from_sdist,
                              Runner(), sdist, '1.0',
                              os.path.join(self.tmp, 'd.git'), ['master'])
        self.assertIn('one top directory', str(e))

    def test_unsafe_member_refused_without_extraction_filters(self):
        # Debian 12's Python 3.11.2 has no tarfile filters.
        self.patch(mirror, 'HAS_DATA_FILTER', False)
        sdist = make_sdist(self.tmp, 'demo', '1.0', tops=['demo-1.0/../..'])
        e = self.assertRaises(LocalDevstackError, mirror.repo_from_sdist,
                              Runner(), sdist, '1.0',
                              os.path.join(self.tmp, 'd.git'), ['master'])
        self.assertIn('unsafe member', str(e))

    def test_plain_sdist_unpacks_without_extraction_filters(self):
        self.patch(mirror, 'HAS_DATA_FILTER', False)
        sdist = make_sdist(self.tmp, 'demo', '1.0')
        tree = mirror.unpack_sdist(sdist, os.path.join(self.tmp, 'u'))
        self.assertTrue(os.path.isfile(os.path.join(tree, 'setup.py')))

    def test_not_an_archive(self):
        bad = self.write(os.path.join(self.tmp, 'x-1.tar.gz'), 'junk')
        e = self.assertRaises(LocalDevstackError, mirror.repo_from_sdist,
                              Runner(), bad, '1',
                              os.path.join(self.tmp, 'd.git'), ['master'])
        self.assertIn('cannot unpack', str(e))


class TestNovaSeries(base.TestCase):
    """nova's mirror with the series committed (a Depends-On's nova)."""

    def setUp(self):
        super(TestNovaSeries, self).setUp()
        sdist = make_sdist(self.tmp, 'demo', '1.2.0')
        self.repo = os.path.join(self.tmp, 'demo.git')
        self.branches = ['master', 'stable/2026.2']
        mirror.repo_from_sdist(Runner(), sdist, '1.2.0', self.repo,
                               self.branches)
        # A one-patch series made the way tools/nova-patches exports.
        work = os.path.join(self.tmp, 'work')
        subprocess.run(['git', 'clone', '-q', self.repo, work], check=True)
        self.write(os.path.join(work, 'demo', 'feature.py'), 'ON = True\n')
        ident = ['-c', 'user.name=t', '-c', 'user.email=t@t']
        subprocess.run(['git', '-C', work] + ident + ['add', '-A'],
                       check=True)
        subprocess.run(['git', '-C', work] + ident + [
            'commit', '-q', '-m', 'demo: the feature'], check=True)
        self.top = os.path.join(self.tmp, 'top')
        patches = os.path.join(self.top, 'nova_patches')
        os.makedirs(patches)
        subprocess.run(['git', '-C', work, 'format-patch', '-q', '-o',
                        patches, 'HEAD~1'], check=True)
        names = sorted(os.listdir(patches))
        self.write(os.path.join(patches, 'series'),
                   '# the series\n' + '\n'.join(names) + '\n')

    def test_series_committed_on_every_branch_tag_kept(self):
        what = nova_series.set_nova_branches(
            Runner(), self.repo, '1.2.0', self.branches, self.top, True)
        self.assertEqual('release 1.2.0 + 1 patches of nova_patches', what)
        for branch in self.branches:
            self.assertEqual('ON = True', git(
                self.repo, 'show', '%s:demo/feature.py' % branch))
            self.assertEqual('demo: the feature', git(
                self.repo, 'log', '-1', '--format=%s', branch))
        tagged = git(self.repo, 'rev-parse', '1.2.0^{commit}')
        self.assertEqual(tagged, git(self.repo, 'rev-parse', 'master~1'))

    def test_relative_tree_path(self):
        cwd = os.open('.', os.O_RDONLY)
        # Cleanups run last-in first-out: back to cwd, then close it.
        self.addCleanup(os.close, cwd)
        self.addCleanup(os.fchdir, cwd)
        os.chdir(self.tmp)
        nova_series.set_nova_branches(Runner(), self.repo, '1.2.0',
                                      self.branches, 'top', True)
        self.assertEqual('demo: the feature', git(
            self.repo, 'log', '-1', '--format=%s', 'master'))

    def test_without_the_option_branches_go_back_to_the_release(self):
        for with_series in (True, False):
            nova_series.set_nova_branches(Runner(), self.repo, '1.2.0',
                                          self.branches, self.top,
                                          with_series)
        tagged = git(self.repo, 'rev-parse', '1.2.0^{commit}')
        for branch in self.branches:
            self.assertEqual(tagged, git(self.repo, 'rev-parse', branch))


class TestPlan(base.TestCase):

    def test_series_table(self):
        projects = mirror.plan('2026.2', self.tmp, [])
        self.assertEqual(('openstack-placement', '16.0.0'),
                         projects['placement'])
        self.assertEqual(('nova', '34.0.0'), projects['nova'])

    def test_nova_follows_nova_patches_base(self):
        self.write(os.path.join(self.tmp, 'nova_patches', 'BASE'),
                   'nova 34.0.1\n')
        self.assertEqual(('nova', '34.0.1'),
                         mirror.plan('2026.2', self.tmp, [])['nova'])

    def test_overrides_and_errors(self):
        projects = mirror.plan('2026.2', self.tmp,
                               ['glance=33.0.1', 'oslo.log=7.0.0'])
        self.assertEqual(('glance', '33.0.1'), projects['glance'])
        self.assertEqual(('oslo.log', '7.0.0'), projects['oslo.log'])
        e = self.assertRaises(LocalDevstackError, mirror.plan, '2026.2',
                              self.tmp, ['glance'])
        self.assertIn('REPO=VERSION', str(e))
        e = self.assertRaises(LocalDevstackError, mirror.plan, '1999.1',
                              self.tmp, [])
        self.assertIn('unknown series', str(e))


class FakePyPI(object):
    """urlopen double serving a project document and its files."""

    def __init__(self, name, version, sdist, digest=None, relative=True):
        with open(sdist, 'rb') as f:
            self.data = f.read()
        filename = os.path.basename(sdist)
        url = ('../../packages/%s' % filename if relative else
               'https://files.example/%s' % filename)
        self.doc = {'releases': {version: [
            {'packagetype': 'bdist_wheel', 'filename': 'x.whl',
             'url': 'https://files.example/x.whl'},
            {'packagetype': 'sdist', 'filename': filename, 'url': url,
             'digests': {'sha256': digest or
                         hashlib.sha256(self.data).hexdigest()}}]}}
        self.name = name
        self.opened = []

    def __call__(self, url):
        self.opened.append(url)
        if url == mirror.PYPI_JSON % self.name:
            return io.BytesIO(json.dumps(self.doc).encode())
        if url.endswith('.tar.gz'):
            return io.BytesIO(self.data)
        raise OSError('unexpected URL %s' % url)


class TestFetchSdist(base.TestCase):

    def test_download_relative_url_and_cache(self):
        sdist = make_sdist(self.tmp, 'demo', '1.0')
        pypi = FakePyPI('demo', '1.0', sdist)
        cache = os.path.join(self.tmp, 'cache')
        path = mirror.fetch_sdist('demo', '1.0', cache, urlopen=pypi)
        self.assertEqual(os.path.join(cache, 'demo-1.0.tar.gz'), path)
        self.assertEqual('https://pypi.org/packages/demo-1.0.tar.gz',
                         pypi.opened[1])
        mirror.fetch_sdist('demo', '1.0', cache, urlopen=pypi)
        self.assertEqual(3, len(pypi.opened))  # cached: no 2nd download

    def test_checksum_mismatch(self):
        sdist = make_sdist(self.tmp, 'demo', '1.0')
        pypi = FakePyPI('demo', '1.0', sdist, digest='0' * 64)
        e = self.assertRaises(LocalDevstackError, mirror.fetch_sdist,
                              'demo', '1.0', self.tmp + '/c', urlopen=pypi)
        self.assertIn('checksum mismatch', str(e))

    def test_unknown_version(self):
        sdist = make_sdist(self.tmp, 'demo', '1.0')
        pypi = FakePyPI('demo', '1.0', sdist)
        e = self.assertRaises(LocalDevstackError, mirror.fetch_sdist,
                              'demo', '9.9', self.tmp, urlopen=pypi)
        self.assertIn('PyPI has no demo 9.9', str(e))


class TestBuild(base.TestCase):

    def test_git_only_projects_need_a_source(self):
        s = self.settings()
        e = self.assertRaises(LocalDevstackError, mirror.build, s,
                              Runner(), self.tmp, only=['requirements'])
        self.assertIn('--git requirements=', str(e))

    def test_from_sdist_dir_and_git_source(self):
        s = self.settings(devstack_branch='stable/2026.2')
        sdists = os.path.join(self.tmp, 'sdists')
        os.makedirs(sdists)
        make_sdist(sdists, 'openstack_placement', '16.0.0',
                   files={'setup.py': '# placement\n'})
        source = make_sdist(self.tmp, 'req', '1')
        work = os.path.join(self.tmp, 'req-src')
        mirror.repo_from_sdist(Runner(), source, '1', work, ['main'])
        result = mirror.build(
            s, Runner(), self.tmp, versions=[], sdist_dir=sdists,
            git_sources=['requirements=%s@main' % work],
            only=['placement', 'requirements'])
        self.assertEqual({'placement': 'built', 'requirements': 'built'},
                         result)
        root = os.path.join(s.mirror_dir, 'openstack')
        self.assertEqual('# placement', git(os.path.join(
            root, 'placement.git'), 'show', 'stable/2026.2:setup.py'))
        self.assertEqual('# placement', git(os.path.join(
            root, 'placement.git'), 'show', 'master:setup.py'))
        self.assertEqual(git(work, 'rev-parse', 'main'),
                         git(os.path.join(root, 'requirements.git'),
                             'rev-parse', 'master'))
        git(os.path.join(root, 'placement.git'), 'branch', '-D',
            'stable/2026.2')
        again = mirror.build(s, Runner(), self.tmp, sdist_dir=sdists,
                             only=['placement'])
        self.assertEqual({'placement': 'kept'}, again)
        self.assertEqual('# placement', git(os.path.join(
            root, 'placement.git'), 'show', 'stable/2026.2:setup.py'))

    def test_bad_git_source(self):
        s = self.settings()
        e = self.assertRaises(LocalDevstackError, mirror.build, s,
                              Runner(), self.tmp,
                              git_sources=['requirements=/nonexistent'])
        self.assertIn('not a directory', str(e))


class TestConstraints(base.TestCase):

    BASE = ('# pins\nkeystoneauth1===5.15.0\npyOpenSSL===24.2.1\n'
            "numpy===1.0;python_version=='3.9'\nnumpy===2.0;"
            "python_version>='3.10'\nsix===1.0\n")
    OVERLAY = 'keystoneauth1===5.18.1\npyopenssl===26.4.0\nnumpy===2.2\n'

    def test_violated_pins(self):
        pins = constraints.parse_pins(self.BASE, 'uc')
        names = constraints.violated(pins, [
            'keystoneauth1>=5.16.0 # Apache-2.0\npyOpenSSL<24.3.0\n'
            'six\n-e git+https://x\n', 'numpy>=3\n'])
        # numpy has per-python pins only: not judged.
        self.assertEqual({'keystoneauth1'}, names)

    def test_merge_only_what_is_needed(self):
        merged = constraints.merge_constraints(self.BASE, self.OVERLAY,
                                               {'keystoneauth1'})
        self.assertIn('keystoneauth1===5.18.1\n', merged)
        self.assertNotIn('5.15.0', merged)
        self.assertIn('pyOpenSSL===24.2.1\n', merged)
        self.assertIn("numpy===1.0;python_version=='3.9'", merged)

    def test_merge_replaces_per_python_lines(self):
        merged = constraints.merge_constraints(self.BASE, self.OVERLAY)
        self.assertEqual(1, merged.count('numpy==='))
        self.assertIn('pyopenssl===26.4.0', merged)

    def test_bad_overlay_line(self):
        e = self.assertRaises(LocalDevstackError,
                              constraints.merge_constraints,
                              self.BASE, 'six>=1.0\n')
        self.assertIn("'six>=1.0' is not NAME===VERSION", str(e))

    def test_overlay_commit_on_every_branch(self):
        source = make_sdist(self.tmp, 'requirements', '1', files={
            'upper-constraints.txt': self.BASE})
        repo = os.path.join(self.tmp, 'requirements.git')
        mirror.repo_from_sdist(Runner(), source, '1', repo,
                               ['master', 'stable/x'])
        overlay = self.write(os.path.join(self.tmp, 'uc.txt'), self.OVERLAY)
        merged, fixed = constraints.overlay_constraints(
            Runner(), repo, ['master', 'stable/x'], overlay,
            ['keystoneauth1>=5.16.0\n'])
        self.assertEqual(['keystoneauth1'], fixed)
        for branch in ('master', 'stable/x'):
            self.assertEqual(merged.strip(), git(
                repo, 'show', '%s:upper-constraints.txt' % branch))
        # Already fixed: nothing more to take.
        self.assertEqual([], constraints.overlay_constraints(
            Runner(), repo, ['master'], overlay,
            ['keystoneauth1>=5.16.0\n'])[1])
        fresh = os.path.join(self.tmp, 'fresh.git')
        mirror.repo_from_sdist(Runner(), source, '1', fresh, ['master'])
        overlay = self.write(os.path.join(self.tmp, 'old.txt'),
                             'keystoneauth1===5.0.0\n')
        e = self.assertRaises(LocalDevstackError,
                              constraints.overlay_constraints, Runner(), fresh,
                              ['master'], overlay,
                              ['keystoneauth1>=5.16.0\n'])
        self.assertIn('not fixed by', str(e))
