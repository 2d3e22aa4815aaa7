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

import json
import os
from unittest import mock

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import host
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import snapshot as snap_mod

INPUTS = {'tool': 't1', 'devstack': 'abc', 'suite': 'bookworm',
          'local.conf': {'lds-controller': 'c1', 'lds-subnode': 's1'},
          'mirrors': {'nova': 'n1'}, 'image': 'i1',
          'upper_constraints': 'u1'}
NODES = ['lds-controller', 'lds-subnode']


class TestKeys(base.TestCase):

    def package_copy(self):
        top = os.path.join(self.tmp, 'pkg')
        for name in snap_mod.package_files():
            self.write(os.path.join(top, name), 'content of %s\n' % name)
        return top

    def test_tool_version_follows_the_node_shaping_files(self):
        top = self.package_copy()
        first = snap_mod.tool_version(top)
        self.write(os.path.join(top, 'rootfs.py'), 'changed\n')
        self.assertNotEqual(first, snap_mod.tool_version(top))
        second = snap_mod.tool_version(top)
        self.write(os.path.join(top, 'files', 'ovnmeta-checksums'), 'x\n')
        self.assertNotEqual(second, snap_mod.tool_version(top))

    def test_a_change_to_the_running_cloud_code_keeps_snapshots(self):
        # cli, bench, refresh, restore...: a tool edit there must not cost
        # a stack.sh.
        top = self.package_copy()
        first = snap_mod.tool_version(top)
        for name in ('cli.py', 'bench.py', 'refresh.py', 'restore.py',
                     'files/cloud-health'):
            self.write(os.path.join(top, name), 'changed\n')
        self.write(os.path.join(top, '__pycache__', 'rootfs.pyc'), 'junk')
        self.assertEqual(first, snap_mod.tool_version(top))

    def test_every_package_file_is_sorted(self):
        # A new module must say whether it shapes what a node holds.
        files = set(snap_mod.package_files())
        shaping = set(snap_mod.NODE_SHAPING)
        other = set(snap_mod.NOT_NODE_SHAPING)
        self.assertEqual(set(), shaping & other)
        self.assertEqual(set(), files - shaping - other,
                         'files in neither list of snapshot.py')
        self.assertEqual(set(), (shaping | other) - files,
                         'listed files that do not exist')

    def test_the_package_itself_has_a_version(self):
        self.assertEqual(snap_mod.ID_LENGTH, len(snap_mod.tool_version()))

    def test_differences_name_nested_inputs(self):
        other = json.loads(json.dumps(INPUTS))
        other['local.conf']['lds-subnode'] = 's2'
        other['tool'] = 't2'
        self.assertEqual(['local.conf lds-subnode', 'tool'],
                         snap_mod.differences(INPUTS, other))
        self.assertEqual([], snap_mod.differences(INPUTS, INPUTS))

    def test_human_bytes(self):
        self.assertEqual('512 B', snap_mod.human_bytes(512))
        self.assertEqual('5.5 GiB', snap_mod.human_bytes(5.5 * 1024 ** 3))


class StoreFixture(base.TestCase):

    def setUp(self):
        super(StoreFixture, self).setUp()
        self.s = self.settings()
        self.runner = base.FakeRunner({('du',): (0, '4096\t/x\n')})
        self.store = snap_mod.SnapshotStore(self.s, self.runner)

    def nodes(self):
        found = {}
        for name in NODES:
            rootfs = os.path.join(self.s.machines_dir, name)
            self.write(os.path.join(rootfs, 'etc', 'hostname'), name)
            found[name] = rootfs
        return found

    def take(self, inputs=INPUTS, created=None):
        snap = self.store.create(inputs, self.nodes(),
                                 {n: {'units': []} for n in NODES})
        if created is not None:
            snap.meta['created'] = created
            self.store._write_meta(snap.path, snap.meta)
        return snap


class TestStore(StoreFixture):

    def test_create_moves_root_filesystems_and_leaves_empty_dirs(self):
        rootfs = self.nodes()
        snap = self.take()
        for name in NODES:
            with open(os.path.join(snap.rootfs(name), 'etc',
                                   'hostname')) as f:
                self.assertEqual(name, f.read())
            self.assertEqual([], os.listdir(rootfs[name]))
        self.assertTrue(snap.meta['complete'])
        self.assertEqual(snap_mod.key_of(INPUTS), snap.key)

    def test_find_matching_inputs_only(self):
        snap = self.take()
        found, why = self.store.find(INPUTS, NODES)
        self.assertEqual(snap.id, found.id)
        self.assertIn('matches', why)
        other = dict(INPUTS, devstack='def')
        found, why = self.store.find(other, NODES)
        self.assertIsNone(found)
        self.assertIn('%s, differs in: devstack' % snap.id, why)
        found, why = self.store.find(INPUTS, NODES[:1])
        self.assertIsNone(found)

    def test_no_snapshot_yet(self):
        self.assertEqual((None, 'no snapshot yet'),
                         self.store.find(INPUTS, NODES))

    def test_partial_snapshot_is_never_found_and_pruned(self):
        snap = self.take()
        snap.meta['complete'] = False
        self.store._write_meta(snap.path, snap.meta)
        self.assertEqual((None, 'no snapshot yet'),
                         self.store.find(INPUTS, NODES))
        self.assertEqual([snap.path], self.store.partial())
        self.assertEqual([snap.id], self.store.prune(5))
        self.assertFalse(os.path.exists(snap.path))

    def test_prune_keeps_the_newest_and_what_is_in_use(self):
        old = self.take(dict(INPUTS, devstack='1'), created=100)
        mid = self.take(dict(INPUTS, devstack='2'), created=200)
        new = self.take(dict(INPUTS, devstack='3'), created=300)
        self.assertEqual([new.id, mid.id, old.id],
                         [s.id for s in self.store.all()])
        self.assertEqual([mid.id], self.store.prune(1, in_use=[old.id]))
        self.assertEqual([new.id, old.id], [s.id for s in self.store.all()])

    def test_remove_refuses_the_snapshot_in_use(self):
        snap = self.take()
        e = self.assertRaises(LocalDevstackError, self.store.remove, snap,
                              in_use=[snap.id])
        self.assertIn('in use', str(e))
        self.store.remove(snap)
        self.assertEqual([], self.store.all())

    def test_get_by_prefix_and_unknown(self):
        snap = self.take()
        self.assertEqual(snap.id, self.store.get(snap.id[:6]).id)
        e = self.assertRaises(LocalDevstackError, self.store.get, 'ffff00')
        self.assertIn('no snapshot ffff00', str(e))

    def test_disk_use_from_du(self):
        self.assertEqual(4096, self.store.disk_use('/x'))
        self.assertEqual(['du', '-sx', '-B1', '/x'], self.runner.commands[-1])


class TestOverlayJournal(base.TestCase):

    def test_overlay_mounted_recorded_and_undone_with_its_writes(self):
        s = self.settings()
        runner = base.FakeRunner({('mountpoint',): (0, '')})
        changes = host.HostChanges(s, runner)
        target = os.path.join(s.machines_dir, 'lds-controller')
        changes.mount_overlay('lds-controller', '/snap/lds-controller',
                              target)
        mount = runner.ran('mount')[0]
        top = os.path.join(s.state_dir, 'overlays', 'lds-controller')
        self.assertEqual(
            ['mount', '-t', 'overlay', 'local-devstack-lds-controller', '-o',
             'lowerdir=/snap/lds-controller,upperdir=%s/upper,'
             'workdir=%s/work' % (top, top), target], mount)
        self.assertEqual({target: '/snap/lds-controller'},
                         changes.overlays())
        self.write(os.path.join(top, 'upper', 'written'), 'x')
        changes.undo_overlays()
        self.assertEqual([['umount', target]], runner.ran('umount'))
        self.assertFalse(os.path.exists(top))
        self.assertEqual({}, changes.overlays())

    def test_undo_all_unmounts_overlays_first(self):
        s = self.settings(hugepages=0)
        runner = base.FakeRunner({('mountpoint',): (0, '')})
        changes = host.HostChanges(s, runner)
        changes._record({'kind': 'sysctl', 'path': '/nonexistent',
                         'old': '0', 'new': '1'})
        changes.mount_overlay('n', '/lower', os.path.join(self.tmp, 'm'))
        with mock.patch.object(runner, 'read_file', return_value='0'):
            changes.undo_all()
        self.assertEqual('umount', runner.commands[-1][0])
