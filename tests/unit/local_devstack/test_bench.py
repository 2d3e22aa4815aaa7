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

import io
import os
import subprocess

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import bench
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

PATCH = """\
From 0 Mon Sep 17 00:00:00 2001
Subject: [PATCH] x: y

Body.

---
 a | 1 +
diff --git a/a b/a
"""


class TestBench(base.TestCase):

    def test_edit_touches_only_the_message_of_the_last_patch(self):
        top = self.tmp
        for name in ('0001-a.patch', '0002-b.patch'):
            self.write(os.path.join(top, 'nova_patches', name), PATCH)
        edited = bench.edit_one_patch(top, 'S1')
        self.assertEqual('nova_patches/0002-b.patch', edited)
        with open(os.path.join(top, edited)) as f:
            text = f.read()
        self.assertIn('Body.\n\nBenchmark edit S1.\n---\n', text)
        self.assertTrue(text.endswith('diff --git a/a b/a\n'))
        with open(os.path.join(top, 'nova_patches', '0001-a.patch')) as f:
            self.assertEqual(PATCH, f.read())

    def test_rows_carry_seconds_load_and_the_target(self):
        out = io.StringIO()
        b = bench.Bench(cloud=None, out=out)
        b.step('up (restore)', lambda: None)
        self.assertRegex(out.getvalue(), r'^up \(restore\) +0 s  load '
                         r'[\d. ]+ -> [\d. ]+  target < 180 s: met\n$')

    def test_up_that_ran_stack_sh_is_an_error(self):
        class Cloud(object):
            timings = [('stack.sh, both nodes', 600)]

            def up(self, snapshot):
                self.asked = snapshot
        cloud = Cloud()
        e = self.assertRaises(LocalDevstackError,
                              bench.Bench(cloud, snapshot='abc').up)
        self.assertIn('no snapshot matches', str(e))
        self.assertEqual('abc', cloud.asked)

    def test_running_measures_without_up(self):
        class Cloud(object):
            top_dir = '/tree'
            calls = []

            def require_up(self):
                self.calls.append('require_up')

            def up(self, snapshot):
                self.calls.append('up')

            def test(self):
                self.calls.append('test')
        cloud = Cloud()
        b = bench.Bench(cloud, out=io.StringIO())
        refreshed = []
        b.refresh = refreshed.append
        b.run_edited = lambda real: None
        b.run(with_test=True, keep_up=True, running=True)
        self.assertEqual(['require_up', 'test'], cloud.calls)
        self.assertFalse(any(r.startswith('up ') for r in b.rows))

    def test_help_runs(self):
        r = subprocess.run([os.path.join(base.TOP_DIR, 'tools',
                                         'bench-local-cloud'), '--help'],
                           capture_output=True, text=True, timeout=300)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn('--snapshot', r.stdout)
