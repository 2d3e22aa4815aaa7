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

"""Local bare git mirrors of OpenStack projects, built from PyPI sdists.

devstack clones every project from GIT_BASE. Where opendev cannot be
reached, each project's sdist at the release matching the devstack branch
is unpacked, committed, tagged with its version (pbr reads the tag) and
pushed to <state_dir>/git/openstack/<repo>.git on the branches devstack
asks for. Projects without an sdist (requirements, os-test-images) are
copied from a local git repository given with --git.
"""

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from virtiofs_scaphandre.local_devstack.constraints import overlay_constraints
from virtiofs_scaphandre.local_devstack import nova_series as nova_series_mod
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

PYPI_JSON = 'https://pypi.org/pypi/%s/json'
CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

# The 2026.2 releases (nova 34). repo name: (PyPI name, version)
SERIES = {
    '2026.2': {
        'nova': ('nova', '34.0.0'),
        'keystone': ('keystone', '30.0.0'),
        'glance': ('glance', '33.0.0'),
        'neutron': ('neutron', '29.0.0'),
        'placement': ('openstack-placement', '16.0.0'),
        'tempest': ('tempest', '47.0.0'),
    },
}
# Needed by devstack but not published as sdists.
GIT_ONLY = ('requirements', 'os-test-images')
VERSION_RE = re.compile(r'^\d+(\.\d+)*([a-z]+\d+)?$')


def nova_base_version(top_dir):
    """The nova release nova_patches apply to, from nova_patches/BASE."""
    path = os.path.join(top_dir, 'nova_patches', 'BASE')
    if not os.path.exists(path):
        return None
    with open(path) as f:
        for token in f.read().split():
            if VERSION_RE.match(token):
                return token
    raise LocalDevstackError('no version number in %s' % path)


def plan(series, top_dir, overrides):
    """repo -> (pypi name, version) for the series, with overrides."""
    if series not in SERIES:
        raise LocalDevstackError('unknown series %r (known: %s)' % (
            series, ', '.join(sorted(SERIES))))
    projects = dict(SERIES[series])
    base = nova_base_version(top_dir)
    if base:
        projects['nova'] = ('nova', base)
    for item in overrides:
        repo, sep, version = item.partition('=')
        if not sep or not VERSION_RE.match(version):
            raise LocalDevstackError(
                '--version %r: expected REPO=VERSION, e.g. nova=34.0.0' %
                item)
        pypi = projects.get(repo, (repo, None))[0]
        projects[repo] = (pypi, version)
    return projects


def _urlopen(url):
    import ssl
    context = ssl.create_default_context(
        cafile=CA_BUNDLE if os.path.exists(CA_BUNDLE) else None)
    return urllib.request.urlopen(url, timeout=120, context=context)


def fetch_sdist(pypi_name, version, cache_dir, urlopen=_urlopen):
    """Download (once) the sdist of pypi_name==version; return its path."""
    # The project document lists every release's files (the per-release
    # document is not served by every PyPI mirror).
    try:
        with urlopen(PYPI_JSON % pypi_name) as r:
            project = json.load(r)
    except urllib.error.HTTPError as e:
        raise LocalDevstackError('PyPI has no project %s (%s)' % (
            pypi_name, e))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise LocalDevstackError('cannot read PyPI for %s %s: %s' % (
            pypi_name, version, e))
    files = project.get('releases', {}).get(version)
    if files is None:
        raise LocalDevstackError('PyPI has no %s %s' % (pypi_name, version))
    sdists = [u for u in files if u.get('packagetype') == 'sdist']
    if not sdists:
        raise LocalDevstackError('%s %s has no sdist on PyPI' % (
            pypi_name, version))
    info = sdists[0]
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, info['filename'])
    digest = info.get('digests', {}).get('sha256')
    if os.path.exists(path) and _sha256(path) == digest:
        return path
    tmp = path + '.part'
    # Some mirrors give file URLs relative to the JSON document.
    url = urllib.parse.urljoin(PYPI_JSON % pypi_name, info['url'])
    try:
        with urlopen(url) as r, open(tmp, 'wb') as f:
            shutil.copyfileobj(r, f)
    except (urllib.error.URLError, OSError) as e:
        raise LocalDevstackError('cannot download %s: %s' % (url, e))
    if digest and _sha256(tmp) != digest:
        os.remove(tmp)
        raise LocalDevstackError('checksum mismatch for %s' % url)
    os.replace(tmp, path)
    return path


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def _git(runner, *args, cwd=None):
    argv = ['git']
    if cwd:
        argv += ['-C', cwd]
    argv += ['-c', 'user.name=local-devstack',
             '-c', 'user.email=local-devstack@localhost',
             '-c', 'init.defaultBranch=master'] + list(args)
    return runner.run(argv, capture=True)[1]


def has_tag(runner, repo, tag):
    if not os.path.isdir(repo):
        return False
    rc, _ = runner.run(['git', '--git-dir', repo, 'rev-parse', '-q',
                        '--verify', 'refs/tags/%s' % tag],
                       check=False, capture=True)
    return rc == 0


# Python 3.11.2 (Debian 12) has no extraction filters (3.11.4 and later do).
HAS_DATA_FILTER = hasattr(tarfile, 'data_filter')


def _refuse_unsafe_members(tar):
    for member in tar.getmembers():
        name = os.path.normpath(member.name)
        if (os.path.isabs(name) or name.split(os.sep)[0] == '..' or
                not (member.isfile() or member.isdir())):
            raise tarfile.TarError('unsafe member %r' % member.name)


def unpack_sdist(sdist, into):
    """Unpack an sdist; return its single top directory."""
    try:
        with tarfile.open(sdist) as tar:
            if HAS_DATA_FILTER:
                tar.extractall(into, filter='data')
            else:
                _refuse_unsafe_members(tar)
                tar.extractall(into)
    except (tarfile.TarError, OSError) as e:
        raise LocalDevstackError('cannot unpack %s: %s' % (sdist, e))
    tops = os.listdir(into)
    if len(tops) != 1 or not os.path.isdir(os.path.join(into, tops[0])):
        raise LocalDevstackError(
            '%s does not hold one top directory (found %s)' % (
                sdist, ', '.join(sorted(tops)) or 'nothing'))
    return os.path.join(into, tops[0])


def repo_from_sdist(runner, sdist, version, dest, branches):
    """Make bare repo dest hold sdist as one commit, tagged version."""
    if has_tag(runner, dest, version):
        return False
    work = tempfile.mkdtemp(prefix='local-devstack-mirror-')
    try:
        tree = unpack_sdist(sdist, work)
        _git(runner, 'init', '-q', cwd=tree)
        _git(runner, 'add', '-A', '-f', cwd=tree)
        _git(runner, 'commit', '-q', '-m',
             'Release %s from %s' % (version, os.path.basename(sdist)),
             cwd=tree)
        _git(runner, 'tag', '-a', '-m', version, version, cwd=tree)
        if not os.path.isdir(dest):
            _git(runner, 'init', '-q', '--bare', dest)
        refspecs = ['+HEAD:refs/heads/%s' % b for b in branches]
        refspecs.append('refs/tags/%s' % version)
        _git(runner, 'push', '-q', '--force', dest, *refspecs, cwd=tree)
        _git(runner, '--git-dir', dest, 'symbolic-ref', 'HEAD',
             'refs/heads/%s' % branches[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def add_missing_branches(runner, repo, tag, branches):
    """Branches a kept mirror lacks start at its release tag."""
    for branch in branches:
        rc, _ = runner.run(['git', '--git-dir', repo, 'rev-parse', '-q',
                            '--verify', 'refs/heads/%s' % branch],
                           check=False, capture=True)
        if rc != 0:
            _git(runner, '--git-dir', repo, 'branch', branch,
                 '%s^{commit}' % tag)


def repo_from_git(runner, source, ref, dest, branches):
    """Copy ref of a local git repository to branches of bare repo dest."""
    rc, _ = runner.run(['git', '--git-dir', _git_dir(source), 'rev-parse',
                        '-q', '--verify', ref + '^{commit}'],
                       check=False, capture=True)
    if rc != 0:
        raise LocalDevstackError('%s has no commit %r' % (source, ref))
    if not os.path.isdir(dest):
        _git(runner, 'init', '-q', '--bare', dest)
    refspecs = ['+%s:refs/heads/%s' % (ref, b) for b in branches]
    _git(runner, '--git-dir', dest, 'fetch', '-q', '--no-tags',
         _git_dir(source), *refspecs)
    _git(runner, '--git-dir', dest, 'symbolic-ref', 'HEAD',
         'refs/heads/%s' % branches[0])


def _git_dir(path):
    dot_git = os.path.join(path, '.git')
    return dot_git if os.path.isdir(dot_git) else path


def parse_git_sources(items):
    sources = {}
    for item in items:
        repo, sep, rest = item.partition('=')
        if not sep or not repo or not rest:
            raise LocalDevstackError(
                '--git %r: expected REPO=PATH[@REF]' % item)
        path, _, ref = rest.partition('@')
        if not os.path.isdir(path):
            raise LocalDevstackError('--git %s: %s is not a directory' % (
                repo, path))
        sources[repo] = (path, ref or 'HEAD')
    return sources


def build(settings, runner, top_dir, series='2026.2', versions=(),
          git_sources=(), sdist_dir=None, only=(), urlopen=_urlopen,
          constraints=None, nova_series=False):
    """Build every mirror; return {repo: 'built'|'kept'}.

    nova_series: nova's branches carry the series as commits (the nova a
    Depends-On on the series gives); otherwise they are the release.
    """
    projects = plan(series, top_dir, versions)
    sources = parse_git_sources(git_sources)
    if constraints and not os.path.isfile(constraints):
        raise LocalDevstackError('--constraints %s does not exist' %
                                 constraints)
    if constraints and 'requirements' not in sources:
        raise LocalDevstackError('--constraints needs --git '
                                 'requirements=PATH')
    wanted = list(only) or sorted(set(projects) | set(GIT_ONLY) |
                                  set(sources))
    unknown = [r for r in wanted if r not in projects and r not in sources]
    missing_git = [r for r in unknown if r in GIT_ONLY]
    if missing_git:
        raise LocalDevstackError(
            '%s have no sdist on PyPI: give a local git repository with '
            '--git %s=/path/to/repo[@ref]' % (
                ', '.join(missing_git), missing_git[0]))
    if unknown:
        raise LocalDevstackError('unknown project(s) %s: add --version '
                                 'REPO=VERSION or --git REPO=PATH' %
                                 ', '.join(unknown))
    root = os.path.join(settings.mirror_dir, 'openstack')
    os.makedirs(root, exist_ok=True)
    # The jobs check projects out at stable/<series> (nova at its tag);
    # devstack's own default is its branch name.
    branches = [settings.target_branch, 'stable/%s' % series]
    if '/' in settings.devstack_branch:
        branches.append(settings.devstack_branch)
    branches = list(dict.fromkeys(branches))
    cache = sdist_dir or os.path.join(settings.state_dir, 'sdists')
    result = {}
    for repo in wanted:
        dest = os.path.join(root, repo + '.git')
        if repo in sources:
            path, ref = sources[repo]
            runner.log('mirror %s from %s@%s' % (repo, path, ref))
            repo_from_git(runner, path, ref, dest, branches)
            result[repo] = 'built'
            continue
        pypi, version = projects[repo]
        if has_tag(runner, dest, version):
            add_missing_branches(runner, dest, version, branches)
            result[repo] = 'kept'
            continue
        runner.log('mirror %s %s from its PyPI sdist' % (repo, version))
        sdist = _local_sdist(sdist_dir, pypi, version) or fetch_sdist(
            pypi, version, cache, urlopen=urlopen)
        repo_from_sdist(runner, sdist, version, dest, branches)
        result[repo] = 'built'
    if 'nova' in wanted and 'nova' in projects:
        what = nova_series_mod.set_nova_branches(
            runner, os.path.join(root, 'nova.git'), projects['nova'][1],
            branches, top_dir, nova_series)
        result['nova'] += ' (%s)' % what
    if constraints:
        texts = []
        for repo in sorted(projects):
            dest = os.path.join(root, repo + '.git')
            if os.path.isdir(dest):
                rc, text = runner.run(
                    ['git', '--git-dir', dest, 'show',
                     '%s:requirements.txt' % branches[0]],
                    check=False, capture=True)
                if rc == 0:
                    texts.append(text)
        merged, fixed = overlay_constraints(
            runner, os.path.join(root, 'requirements.git'), branches,
            constraints, texts)
        out = os.path.join(settings.mirror_dir, 'upper-constraints.txt')
        with open(out, 'w') as f:
            f.write(merged)
        runner.log('requirements: pins taken from %s: %s; the result is '
                   'also %s (use it as upper_constraints)' % (
                       constraints, ', '.join(fixed) or 'none', out))
    return result


def _local_sdist(sdist_dir, pypi, version):
    if not sdist_dir:
        return None
    stem = re.sub(r'[-_.]+', '[-_.]', pypi)
    pattern = re.compile(r'^%s-%s\.tar\.gz$' % (stem, re.escape(version)),
                         re.IGNORECASE)
    for name in sorted(os.listdir(sdist_dir)):
        if pattern.match(name):
            return os.path.join(sdist_dir, name)
    return None
