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

import os
import tempfile

import testtools

from virtiofs_scaphandre.e2e import freshness


def writes(period=2.0, n=6, t0=100.0, start=1000):
    return [(t0 + i * period, str(start + i)) for i in range(n)]


class TestAnalyze(testtools.TestCase):

    def test_every_update_seen_quickly_is_fresh(self):
        w = writes()
        # guest clock = host clock - 50 s, lag 30..80 ms
        seen = [(w[0][0] - 50 + 0.5, w[0][1])]
        seen += [(t - 50 + 0.03 + 0.01 * i, v)
                 for i, (t, v) in enumerate(w[1:])]
        figures = freshness.analyze(w, seen, 2.0, poll_max_gap=0.1,
                                    window=(seen[0][0], w[-1][0] - 50 + 1))
        self.assertTrue(figures['ok'], figures)
        self.assertEqual(0, figures['missed_updates'])
        self.assertEqual(5, figures['changes_seen'])
        self.assertAlmostEqual(0.04, figures['lag_max_s'], places=3)
        self.assertAlmostEqual(-50 + 0.03, figures['offset_s'], places=3)

    def test_frozen_counter_is_stale(self):
        # cache=always: the guest keeps the first value.
        w = writes()
        seen = [(10.0, w[0][1])]
        figures = freshness.analyze(w, seen, 2.0, window=(10.0, 20.0))
        self.assertFalse(figures['ok'])
        self.assertIn('no update', figures['why'])

    def test_skipped_update_and_late_value_are_stale(self):
        # cache=auto with rename: values show up ~1 s late, some never.
        w = writes(n=8)
        seen = [(100.5, w[0][1]), (102.05, w[1][1]), (105.1, w[3][1]),
                (109.2, w[5][1])]
        figures = freshness.analyze(w, seen, 2.0, poll_max_gap=0.1,
                                    window=(100.5, 114.5))
        self.assertFalse(figures['ok'])
        self.assertGreater(figures['missed_updates'], 0)
        self.assertIn('never seen', figures['why'])

    def test_lag_over_one_period_is_stale(self):
        w = writes(n=5)
        seen = [(100.5, w[0][1]), (102.0, w[1][1]), (104.0, w[2][1]),
                (108.6, w[3][1])]
        figures = freshness.analyze(w, seen, 2.0, poll_max_gap=0.05,
                                    window=(100.5, 108.7))
        self.assertFalse(figures['ok'])
        self.assertAlmostEqual(2.6, figures['lag_max_s'], places=3)

    def test_torn_and_unknown_values_are_counted(self):
        w = writes(n=3)
        seen = [(100.5, w[0][1]), (102.0, ''), (102.1, w[1][1]),
                (104.0, '999')]
        figures = freshness.analyze(w, seen, 2.0, window=(100.5, 104.1))
        self.assertEqual(1, figures['torn_reads'])
        self.assertEqual(['999'], figures['unknown_values'])
        self.assertFalse(figures['ok'])

    def test_start_of_a_value_is_a_torn_read_not_a_failure(self):
        # The guest read "10" of "1001", then the exporter truncated it.
        w = writes(n=3)
        seen = [(100.5, w[0][1]), (102.0, w[1][1][:2]), (102.1, w[1][1]),
                (104.05, w[2][1])]
        figures = freshness.analyze(w, seen, 2.0, window=(100.5, 104.1))
        self.assertEqual(1, figures['torn_reads'])
        self.assertEqual([], figures['unknown_values'])
        self.assertTrue(figures['ok'], figures)

    def test_read_spanning_a_rewrite_is_a_torn_read(self):
        # "19" of the old value, then the rest of the new one from offset 2
        # (seen for real: 19518505 rewritten as 20753072 read "19753072").
        w = [(100.0, '19518505'), (102.0, '20753072'), (104.0, '21987639')]
        mixed = '19753072'
        seen = [(100.5, w[0][1]), (102.0, mixed), (102.1, w[1][1]),
                (104.05, w[2][1])]
        figures = freshness.analyze(w, seen, 2.0, window=(100.5, 104.1))
        self.assertEqual(1, figures['torn_reads'])
        self.assertEqual([], figures['unknown_values'])
        self.assertTrue(figures['ok'], figures)

    def test_digits_of_no_neighbouring_writes_stay_unknown(self):
        # Old prefix and new suffix must come from consecutive writes.
        w = [(100.0, '19518505'), (102.0, '20753072'), (104.0, '21987639')]
        seen = [(100.5, w[0][1]), (102.1, w[1][1]), (104.0, '19987639')]
        figures = freshness.analyze(w, seen, 2.0, window=(100.5, 104.1))
        self.assertEqual(['19987639'], figures['unknown_values'])
        self.assertFalse(figures['ok'])

    def test_summary_names_the_figures(self):
        w = writes(n=3)
        seen = [(100.5, w[0][1]), (102.05, w[1][1]), (104.05, w[2][1])]
        text = freshness.summary(freshness.analyze(
            w, seen, 2.0, window=(100.5, 104.1)))
        self.assertIn('2 updates seen of 2 expected (0 missed)', text)
        self.assertIn('period 2.0 s', text)


class TestWriter(testtools.TestCase):

    def setUp(self):
        super(TestWriter, self).setUp()
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(lambda: [os.remove(os.path.join(dp, f))
                                 for dp, _d, fs in os.walk(self.tmp)
                                 for f in fs])

    def test_exporter_tree_matches_scaphandre(self):
        path = freshness.make_exporter_tree(os.path.join(self.tmp, 'vm'))
        self.assertEqual(os.path.join(self.tmp, 'vm', 'intel-rapl:0',
                                      'energy_uj'), path)
        self.assertTrue(os.path.isdir(os.path.join(self.tmp, 'vm',
                                                   'intel-rapl:0:0')))

    def _write(self, mode):
        path = freshness.make_exporter_tree(os.path.join(self.tmp, mode))
        writer = freshness.CounterWriter(path, mode=mode, start=10, step=5,
                                         clock=iter([1.0, 2.0]).__next__)
        with open(path, 'w') as f:
            f.write('a much longer old value')
        ino = os.stat(path).st_ino
        writer.write_once()
        ino_after = os.stat(path).st_ino
        writer.write_once()
        with open(path) as f:
            self.assertEqual('20', f.read())
        self.assertEqual([(1.0, '15'), (2.0, '20')], writer.writes)
        return ino, ino_after

    def test_in_place_keeps_the_inode_and_has_no_newline(self):
        before, after = self._write('inplace')
        self.assertEqual(before, after)

    def test_rename_replaces_the_inode(self):
        before, after = self._write('rename')
        self.assertNotEqual(before, after)

    def test_bad_mode(self):
        self.assertRaises(ValueError, freshness.CounterWriter, 'x',
                          mode='append')

    def test_thread_writes_every_period(self):
        path = freshness.make_exporter_tree(os.path.join(self.tmp, 't'))
        writer = freshness.CounterWriter(path, period=0.05)
        writer.start()
        self.addCleanup(writer.stop)
        import time
        time.sleep(0.3)
        writer.stop()
        n = len(writer.writes)
        self.assertGreaterEqual(n, 4)
        self.assertLessEqual(n, 8)
        values = [int(v) for _t, v in writer.writes]
        self.assertEqual(sorted(values), values)
