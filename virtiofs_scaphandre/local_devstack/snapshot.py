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

"""Snapshots of a stacked cloud, keyed by what made it.

A snapshot holds the root filesystems of the stopped nodes right after a
successful stack.sh (state_dir/snapshots/<id>/<node>) and meta.json: the
inputs that made it, their key, what each node must get back at boot. It
is never written again: a restored node runs on an overlay whose lower
layer is the snapshot and whose upper layer (state_dir/overlays/<node>)
takes every write and is thrown away at down. Restoring copies nothing.

The key covers the tool code that shapes what a node holds, the devstack
commit, every node's rendered local.conf, the suite, the mirrors, the
constraints and the guest image. A snapshot whose key differs is never
used unless asked for by id, and then the differences are printed.
"""

import hashlib
import json
import os
import shutil
import time

from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# The tool's files that shape what a snapshot holds: the base root
# filesystem, the node files, what is copied into a node before stack.sh,
# the order stack.sh runs in, how services are quiesced and what is
# recorded for the restore (meta.json). Their content and FORMAT are the
# 'tool' input of the key. The rendered local.conf is an input of its own.
NODE_SHAPING = ('container.py', 'localconf.py', 'nodestate.py', 'rootfs.py',
                'stacking.py', 'files/ovnmeta-checksums',
                'files/wait-for-controller/devstack/plugin.sh')
# The layout of a snapshot and its meta.json: raise it with any change
# that an older snapshot does not have.
FORMAT = 1
# Files that only act on a running cloud or on the host (restore, refresh,
# the command line, mirrors, host changes): a change to them leaves every
# snapshot valid. A file in neither list fails the unit tests, so a new
# module must be sorted before it lands.
# (playbook.py: a cloud stacked by the playbook is never snapshotted.)
NOT_NODE_SHAPING = ('__init__.py', '__main__.py', 'bench.py', 'capacity.py',
                    'changes.py', 'cli.py', 'cloud.py', 'constraints.py',
                    'host.py', 'hugepages.py', 'mirror.py', 'nova_series.py',
                    'playbook.py', 'refresh.py', 'restore.py', 'runner.py',
                    'settings.py', 'snapshot.py', 'files/capacity-check',
                    'files/cloud-health', 'files/plugin-steps')
META = 'meta.json'
ID_LENGTH = 12


def _digest_update(digest, path):
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)


def file_digest(path):
    """sha256 of a file's content; '' for no file (an empty setting)."""
    if not path:
        return ''
    digest = hashlib.sha256()
    _digest_update(digest, path)
    return digest.hexdigest()


def tool_version(package_dir=PACKAGE_DIR, shaping=NODE_SHAPING):
    """Digest of the node-shaping files (names and contents), FORMAT."""
    digest = hashlib.sha256(b'format %d\0' % FORMAT)
    for name in sorted(shaping):
        digest.update(name.encode() + b'\0')
        _digest_update(digest, os.path.join(package_dir, name))
        digest.update(b'\0')
    return digest.hexdigest()[:ID_LENGTH]


def package_files(package_dir=PACKAGE_DIR):
    """The package's source files, relative to it (bytecode left out)."""
    found = []
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = [d for d in dirs if d != '__pycache__']
        for name in files:
            if not name.endswith('.pyc'):
                found.append(os.path.relpath(os.path.join(root, name),
                                             package_dir))
    return sorted(found)


def text_digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def key_of(inputs):
    return text_digest(json.dumps(inputs, sort_keys=True))


def differences(old, new, prefix=''):
    """Names of the inputs that differ between two input dicts."""
    names = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if isinstance(a, dict) and isinstance(b, dict):
            names += differences(a, b, prefix + name + ' ')
        elif a != b:
            names.append(prefix + name)
    return names


class Snapshot(object):

    def __init__(self, path, meta):
        self.path = path
        self.meta = meta

    @property
    def id(self):
        return os.path.basename(self.path)

    @property
    def key(self):
        return self.meta.get('key')

    @property
    def inputs(self):
        return self.meta.get('inputs', {})

    @property
    def nodes(self):
        return self.meta.get('nodes', {})

    def rootfs(self, node_name):
        return os.path.join(self.path, node_name)

    def created(self):
        return time.strftime('%Y-%m-%d %H:%M',
                             time.gmtime(self.meta.get('created', 0)))


class SnapshotStore(object):

    def __init__(self, settings, runner):
        self.settings = settings
        self.runner = runner
        self.root = os.path.join(settings.state_dir, 'snapshots')

    def _load(self, path):
        try:
            with open(os.path.join(path, META)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def all(self):
        """Complete snapshots, newest first."""
        found = []
        if os.path.isdir(self.root):
            for name in os.listdir(self.root):
                path = os.path.join(self.root, name)
                meta = self._load(path)
                if meta and meta.get('complete'):
                    found.append(Snapshot(path, meta))
        return sorted(found, key=lambda s: s.meta.get('created', 0),
                      reverse=True)

    def partial(self):
        """Directories left by a snapshot that never completed."""
        if not os.path.isdir(self.root):
            return []
        return sorted(os.path.join(self.root, n)
                      for n in os.listdir(self.root)
                      if not (self._load(os.path.join(self.root, n)) or
                              {}).get('complete'))

    def get(self, snapshot_id):
        for snap in self.all():
            if snap.id == snapshot_id or (
                    len(snapshot_id) >= 4 and snap.id.startswith(
                        snapshot_id)):
                return snap
        raise LocalDevstackError(
            'no snapshot %s (local-devstack snapshots lists them)' %
            snapshot_id)

    def find(self, inputs, node_names):
        """(snapshot, why): the matching snapshot, or None and the reason."""
        key = key_of(inputs)
        snaps = self.all()
        for snap in snaps:
            if snap.key == key and sorted(snap.nodes) == sorted(node_names):
                return snap, 'snapshot %s matches (made %s)' % (
                    snap.id, snap.created())
        if not snaps:
            return None, 'no snapshot yet'
        nearest = min(snaps, key=lambda s: len(differences(
            s.inputs, inputs)))
        diff = differences(nearest.inputs, inputs) or ['nodes']
        return None, 'no snapshot matches; the nearest, %s, differs in: %s' % (
            nearest.id, ', '.join(diff))

    def create(self, inputs, rootfs_by_node, node_meta):
        """Move the stopped nodes' root filesystems into a new snapshot."""
        key = key_of(inputs)
        path = os.path.join(self.root, key[:ID_LENGTH])
        if os.path.exists(path):
            self.remove_path(path)
        os.makedirs(path)
        meta = {'key': key, 'inputs': inputs, 'created': time.time(),
                'nodes': node_meta, 'complete': False}
        self._write_meta(path, meta)
        for name, rootfs in sorted(rootfs_by_node.items()):
            os.rename(rootfs, os.path.join(path, name))
            os.makedirs(rootfs)
        # Written last: a snapshot without it is partial and never used.
        meta['complete'] = True
        self._write_meta(path, meta)
        return Snapshot(path, meta)

    def _write_meta(self, path, meta):
        tmp = os.path.join(path, META + '.tmp')
        with open(tmp, 'w') as f:
            json.dump(meta, f, indent=1, sort_keys=True)
        os.replace(tmp, os.path.join(path, META))

    def remove_path(self, path):
        # Incomplete first: a half-removed snapshot must never look whole.
        meta_path = os.path.join(path, META)
        if os.path.exists(meta_path):
            os.remove(meta_path)
        shutil.rmtree(path)

    def remove(self, snap, in_use=()):
        if snap.id in in_use:
            raise LocalDevstackError(
                'snapshot %s is in use by the running cloud: run '
                '"local-devstack down" first' % snap.id)
        self.remove_path(snap.path)

    def prune(self, keep, in_use=()):
        """Remove all but the newest keep snapshots (and partial ones)."""
        removed = []
        for path in self.partial():
            self.remove_path(path)
            removed.append(os.path.basename(path))
        for snap in self.all()[keep:]:
            if snap.id in in_use:
                continue
            self.remove_path(snap.path)
            removed.append(snap.id)
        return removed

    def disk_use(self, path):
        """Bytes under path (du: hard links and sparse files as on disk)."""
        rc, out = self.runner.run(['du', '-sx', '-B1', path], check=False,
                                  capture=True)
        try:
            return int(out.split()[0])
        except (AttributeError, IndexError, ValueError):
            return 0


def human_bytes(count):
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if count < 1024 or unit == 'GiB':
            return '%.1f %s' % (count, unit) if unit != 'B' else \
                '%d B' % count
        count /= 1024.0
