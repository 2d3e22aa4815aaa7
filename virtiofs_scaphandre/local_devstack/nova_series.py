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

"""nova's mirror branches: the release, or the release and the series."""

import os
import shutil
import tempfile

from virtiofs_scaphandre.local_devstack.constraints import _git


def read_series(top_dir):
    """The nova series' patch files, in order (nova_patches/series)."""
    patches_dir = os.path.abspath(os.path.join(top_dir, 'nova_patches'))
    names = []
    with open(os.path.join(patches_dir, 'series')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                names.append(os.path.join(patches_dir, line))
    return names


def set_nova_branches(runner, repo, tag, branches, top_dir, with_series):
    """nova's branches: the release, or the release plus the series.

    With the series, the branches hold nova at tag with every patch of
    nova_patches/ committed on top, as a nova change that depends on the
    series gives devstack; the tag stays on the release. Without, the
    branches go back to the tag.
    """
    if not with_series:
        for branch in branches:
            _git(runner, '--git-dir', repo, 'update-ref',
                 'refs/heads/%s' % branch, '%s^{commit}' % tag)
        return 'release %s' % tag
    work = tempfile.mkdtemp(prefix='local-devstack-nova-')
    try:
        tree = os.path.join(work, 'nova')
        _git(runner, 'clone', '-q', repo, tree)
        _git(runner, 'checkout', '-q', '-B', 'series', tag, cwd=tree)
        patches = read_series(top_dir)
        _git(runner, 'am', '-q', '--committer-date-is-author-date',
             *patches, cwd=tree)
        _git(runner, 'push', '-q', '--force', 'origin',
             *['+HEAD:refs/heads/%s' % b for b in branches], cwd=tree)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 'release %s + %d patches of nova_patches' % (tag, len(patches))
