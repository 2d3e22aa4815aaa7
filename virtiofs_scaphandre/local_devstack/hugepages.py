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

"""The cloud's share of the host's hugepage pool.

The pages are added and given back by tools/hugepages, the devstack
plugin's own implementation (devstack/lib/hugepages) that the Zuul
pre-run and the e2e check use too: it adds pages on top of whatever the
pool holds, records them under an owner name in a state directory, and
gives back only what that owner added.
"""

import os

from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

OWNER = 'local-devstack'
# Pages put back after another user took the cloud's (Pool.refill) are
# recorded apart, so that the cloud's own count stays what it asked for.
REFILL_OWNER = 'local-devstack-refill'
PAGE_KB = 2048
TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools', 'hugepages')


class Pool(object):
    """The host pool of PAGE_KB pages as seen by one owner.

    state_dir keeps the owner's record; sys_root and proc_root point the
    tool at another sysfs and procfs (the unit tests').
    """

    def __init__(self, runner, state_dir, sys_root='/sys',
                 proc_root='/proc', tool=TOOL):
        self.runner = runner
        self.state_dir = state_dir
        self.sys_root = sys_root
        self.proc_root = proc_root
        self.tool = tool

    @property
    def size_path(self):
        return os.path.join(self.sys_root, 'kernel', 'mm', 'hugepages',
                            'hugepages-%dkB' % PAGE_KB, 'nr_hugepages')

    def record_path(self, owner=OWNER):
        """Where tools/hugepages keeps what the owner added."""
        return os.path.join(self.state_dir, 'hugepages-%dkB.%s.added' % (
            PAGE_KB, owner))

    def _env(self):
        if self.sys_root == '/sys' and self.proc_root == '/proc':
            return None
        return dict(os.environ, VIRTIOFS_SCAPHANDRE_SYSFS_HUGEPAGES=(
            os.path.dirname(os.path.dirname(self.size_path))),
            VIRTIOFS_SCAPHANDRE_PROC_MEMINFO=os.path.join(
                self.proc_root, 'meminfo'))

    def _run(self, *args, owner=OWNER):
        argv = [self.tool] + [str(a) for a in args] + [
            '--owner', owner, '--state-dir', self.state_dir]
        _, out = self.runner.run(argv, capture=True, env=self._env(),
                                 timeout=120)
        return (out or '').strip()

    def _read(self, path):
        try:
            return int(self.runner.read_file(path).strip() or 0)
        except (OSError, ValueError):
            return 0

    def size(self):
        if not os.path.exists(self.size_path):
            raise LocalDevstackError(
                'no 2 MiB hugepage support on this host (%s missing); set '
                'hugepages = 0' % self.size_path)
        return self._read(self.size_path)

    def added(self, owner=OWNER):
        return self._read(self.record_path(owner))

    def add(self, count):
        """count more pages on top of the pool, recorded as ours."""
        self.size()
        return self._run('add', PAGE_KB, count)

    def release(self):
        """Give back every page recorded as ours; none recorded is fine."""
        return '\n'.join(self._run('release', PAGE_KB, owner=owner)
                         for owner in (REFILL_OWNER, OWNER))

    def adopt(self, count):
        """Take over count pages an earlier tool version added unrecorded.

        Its journal said how many it added; the record makes release
        give exactly those back.
        """
        os.makedirs(self.state_dir, exist_ok=True)
        self.runner.write_file(self.record_path(), '%d\n' % (
            self.added() + count))

    def refill(self):
        """Put back pages of ours another user took; return how many.

        Tools that set the pool to an absolute count (restoring "their"
        old value) take pages the cloud's nova still offers, and guests
        then fail at spawn.
        """
        ours, now = self.added(), self.size()
        if now >= ours:
            return 0
        self.runner.log('WARNING: the host hugepage pool is %d, below the '
                        '%d pages of this cloud (someone lowered it); '
                        'adding them back' % (now, ours))
        self._run('reserve', PAGE_KB, ours, owner=REFILL_OWNER)
        return ours - now
