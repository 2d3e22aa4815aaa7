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

"""Benchmark of the developer loop on the local cloud; prints numbers.

  bench-local-cloud [--config FILE] [--set NAME=VALUE] [--test] [--keep-up]
                    [--snapshot ID | --running]

With the cloud down and a snapshot matching this tree, it measures:
up (restored from the snapshot), refresh with nothing changed, refresh
after a change to one nova patch (its commit message, in a copy of the
tree: the whole series is re-applied and nova restarted on both nodes),
refresh back to this tree, test (--test) and down (unless --keep-up).
--running skips up and measures the refreshes (and test) on the cloud
that is up. Each line gives the seconds and the load average before and
after.
Targets on 2 cores: up from a snapshot < 180 s, refresh < 60 s.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

from virtiofs_scaphandre.local_devstack import cli
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import refresh
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import settings as settings_mod
from virtiofs_scaphandre.local_devstack import stacking

TARGETS = {'up (restore)': 180, 'refresh, one nova patch changed': 60}


def loadavg():
    with open('/proc/loadavg') as f:
        return ' '.join(f.read().split()[:3])


def edit_one_patch(top_dir, stamp):
    """Change one patch's commit message: same code, new series."""
    series = os.path.join(top_dir, 'nova_patches')
    name = sorted(n for n in os.listdir(series) if n.endswith('.patch'))[-1]
    path = os.path.join(series, name)
    with open(path) as f:
        lines = f.read().split('\n')
    cut = lines.index('---')
    lines.insert(cut, 'Benchmark edit %s.' % stamp)
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    return 'nova_patches/' + name


class Bench(object):

    def __init__(self, cloud, out=sys.stdout, snapshot='auto'):
        self.cloud = cloud
        self.snapshot = snapshot
        self.out = out
        self.rows = []

    def step(self, label, func, *args):
        before = loadavg()
        start = time.monotonic()
        func(*args)
        seconds = time.monotonic() - start
        target = TARGETS.get(label)
        verdict = ''
        if target:
            verdict = '  target < %d s: %s' % (
                target, 'met' if seconds < target else 'MISSED')
        row = '%-36s %6.0f s  load %s -> %s%s' % (label, seconds, before,
                                                  loadavg(), verdict)
        self.rows.append(row)
        print(row, file=self.out, flush=True)
        return seconds

    def up(self):
        self.cloud.up(snapshot=self.snapshot)
        if not any(label.startswith('restore ')
                   for label, _ in self.cloud.timings):
            raise LocalDevstackError('up ran stack.sh: no snapshot matches '
                                     'this tree (run up once first)')

    def refresh(self, top_dir):
        self.cloud.top_dir = top_dir
        refresh.Refresher(self.cloud).refresh()

    def run(self, with_test=False, keep_up=False, running=False):
        real = self.cloud.top_dir
        if running:
            self.cloud.require_up()
        else:
            self.step('up (restore)', self.up)
        self.step('refresh, nothing changed', self.refresh, real)
        self.run_edited(real)
        if with_test:
            self.step('test', self.cloud.test)
        if not keep_up:
            self.step('down', self.cloud.down)

    def run_edited(self, real):
        """Refresh to a copy with one patch edited, then back to real."""
        scratch = tempfile.mkdtemp(prefix='bench-local-cloud-')
        try:
            copy = os.path.join(scratch, 'tree')
            stacking.make_repo(self.cloud.runner, real, stacking.tree_files(
                self.cloud.runner, real), copy)
            edited = edit_one_patch(copy, time.strftime('%Y%m%d%H%M%S'))
            print('edited %s (commit message only)' % edited,
                  file=self.out)
            self.step('refresh, one nova patch changed', self.refresh,
                      copy)
            self.step('refresh, back to this tree', self.refresh, real)
        finally:
            self.cloud.top_dir = real
            shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='bench-local-cloud', description=__doc__.split('\n\n')[0])
    parser.add_argument('--config')
    parser.add_argument('--set', action='append', default=[],
                        dest='overrides', metavar='NAME=VALUE')
    parser.add_argument('--test', action='store_true',
                        help='also run the tempest plugin')
    parser.add_argument('--keep-up', action='store_true',
                        help='leave the cloud up at the end')
    parser.add_argument('--snapshot', default='auto', metavar='ID',
                        help='restore this snapshot even if its inputs '
                        'differ (up --snapshot)')
    parser.add_argument('--running', action='store_true',
                        help='measure on the cloud that is up (no up)')
    args = parser.parse_args(argv)
    if args.running and args.snapshot != 'auto':
        parser.error('--running measures the cloud that is up: no '
                     '--snapshot')
    try:
        s = settings_mod.load(args.config, None,
                              cli.parse_overrides(args.overrides),
                              default_config=settings_mod.DEFAULT_CONFIG)
        cloud = cloud_mod.Cloud(s, Runner())
        print('bench-local-cloud %s, %d cores, suite %s' % (
            time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
            os.cpu_count(), s.suite))
        Bench(cloud, snapshot=args.snapshot).run(args.test, args.keep_up,
                                                 args.running)
    except LocalDevstackError as e:
        print('bench-local-cloud: error: %s' % e, file=sys.stderr)
        return 1
    return 0
