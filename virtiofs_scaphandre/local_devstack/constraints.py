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

"""upper-constraints for the mirrors: the pins their releases accept."""

import os
import re
import shutil
import tempfile

from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError


def _git(runner, *args, cwd=None):
    argv = ['git']
    if cwd:
        argv += ['-C', cwd]
    argv += ['-c', 'user.name=local-devstack',
             '-c', 'user.email=local-devstack@localhost'] + list(args)
    return runner.run(argv, capture=True)[1]


def _canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def parse_pins(text, source):
    """{canonical name: NAME===VERSION line} of an upper-constraints text."""
    pins = {}
    for line in text.splitlines():
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        name, sep, rest = line.partition('===')
        if not sep:
            raise LocalDevstackError(
                '%s: line %r is not NAME===VERSION' % (source, line))
        if ';' in rest:
            continue  # per-python-version pins: left as they are
        pins[_canonical(name)] = line
    return pins


def violated(pins, requirement_texts):
    """Names whose pin does not satisfy a project's requirement."""
    requirement_cls, _ = _packaging()
    names = set()
    for text in requirement_texts:
        for line in text.splitlines():
            line = line.split('#', 1)[0].strip()
            if not line or line.startswith('-'):
                continue
            try:
                req = requirement_cls(line)
            except ValueError:
                continue
            pin = pins.get(_canonical(req.name))
            if not pin or not req.specifier:
                continue
            version = pin.partition('===')[2].strip()
            if not req.specifier.contains(version, prereleases=True):
                names.add(_canonical(req.name))
    return names


def _packaging():
    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError:  # Debian's python3 without python3-packaging
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.version import Version
    return Requirement, Version


def merge_constraints(base, overlay, only=None):
    """upper-constraints text base with the pins of overlay applied.

    only limits the overlay to these canonical names. A package pinned in
    overlay loses all its lines in base (including per-python-version
    ones); packages only in overlay are added.
    """
    pins = parse_pins(overlay, 'constraints overlay')
    if only is not None:
        pins = {k: v for k, v in pins.items() if k in only}
    out = []
    for line in base.splitlines():
        name = line.partition('===')[0].strip()
        key = _canonical(name) if name and not name.startswith('#') else None
        if key in pins:
            if pins[key] is not None:
                out.append(pins[key])
                pins[key] = None
            continue
        out.append(line)
    out += [line for line in pins.values() if line]
    return '\n'.join(out) + '\n'


def overlay_constraints(runner, repo, branches, overlay_path,
                        requirement_texts=()):
    """Fix upper-constraints.txt pins the projects' requirements refuse.

    Each pin that a mirrored project's requirements.txt does not accept is
    replaced by the overlay's pin; the result is committed on every
    branch. Returns (merged text, names changed).
    """
    with open(overlay_path) as f:
        overlay = f.read()
    work = tempfile.mkdtemp(prefix='local-devstack-uc-')
    try:
        tree = os.path.join(work, 'requirements')
        _git(runner, 'clone', '-q', '--branch', branches[0], repo, tree)
        path = os.path.join(tree, 'upper-constraints.txt')
        if not os.path.exists(path):
            raise LocalDevstackError('%s has no upper-constraints.txt' %
                                     repo)
        with open(path) as f:
            base = f.read()
        names = violated(parse_pins(base, path), requirement_texts)
        fixed = set(parse_pins(overlay, overlay_path)) & names
        still = violated(parse_pins(merge_constraints(base, overlay, fixed),
                                    path), requirement_texts)
        if still:
            raise LocalDevstackError(
                'upper-constraints pins refused by the projects and not '
                'fixed by %s: %s' % (overlay_path, ', '.join(sorted(still))))
        merged = merge_constraints(base, overlay, fixed)
        with open(path, 'w') as f:
            f.write(merged)
        _git(runner, 'commit', '-q', '-a', '--allow-empty', '-m',
             'Pins the mirrored releases need, from %s: %s' % (
                 overlay_path, ', '.join(sorted(fixed)) or 'none'),
             cwd=tree)
        _git(runner, 'push', '-q', '--force', 'origin',
             *['+HEAD:refs/heads/%s' % b for b in branches], cwd=tree)
        return merged, sorted(fixed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
