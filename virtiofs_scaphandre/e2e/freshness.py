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

"""The host side of Scaphandre's QEMU exporter, and how fresh the guest saw it.

Scaphandre's ``qemu`` exporter keeps, for each domain, a directory
``<base>/<domain>/intel-rapl:0/energy_uj`` holding the cumulative energy in
microjoules as text without a newline (plus an empty ``intel-rapl:0:0/``),
and rewrites the file in place with Rust's ``fs::write`` (create/truncate,
then write) at each update. CounterWriter does the same, every ``period``
seconds, or replaces the file by rename to compare both ways.
"""

import os
import statistics
import threading
import time

COUNTER = 'intel-rapl:0/energy_uj'


def make_exporter_tree(domain_dir):
    os.makedirs(os.path.join(domain_dir, 'intel-rapl:0'), exist_ok=True)
    os.makedirs(os.path.join(domain_dir, 'intel-rapl:0:0'), exist_ok=True)
    return os.path.join(domain_dir, COUNTER)


def write_in_place(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def write_by_rename(path, data):
    tmp = '%s.tmp' % path
    write_in_place(tmp, data)
    os.rename(tmp, path)


class CounterWriter(object):
    """Rewrites a counter file every period seconds in a thread.

    ``writes`` records (monotonic time, value) of each write.
    """

    def __init__(self, path, period=2.0, mode='inplace', start=1000000,
                 step=1234567, clock=time.monotonic):
        if mode not in ('inplace', 'rename'):
            raise ValueError('mode must be inplace or rename, not %r' % mode)
        self.path = path
        self.period = period
        self.mode = mode
        self.value = start
        self.step = step
        self.clock = clock
        self.writes = []
        self._stop = threading.Event()
        self._thread = None

    def write_once(self):
        self.value += self.step
        data = str(self.value).encode()
        if self.mode == 'inplace':
            write_in_place(self.path, data)
        else:
            write_by_rename(self.path, data)
        self.writes.append((self.clock(), str(self.value)))

    def _run(self):
        next_at = self.clock()
        while not self._stop.is_set():
            self.write_once()
            next_at += self.period
            self._stop.wait(max(0.0, next_at - self.clock()))

    def start(self):
        self.write_once()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


def analyze(writes, seen, period, poll_max_gap=0.0, window=None):
    """How fresh the guest's view of a counter was.

    :param writes: [(host time s, value)] in write order.
    :param seen: [(guest time s, value)] each time the guest saw the value
        change (the first entry is the value found when polling began).
    :param period: the writer's update period in seconds.
    :param poll_max_gap: the longest pause between two guest reads (s).
    :param window: (guest start s, guest end s) of the polling.
    :returns: a dict of figures; ``ok`` says whether every update made
        while the guest polled was seen, none later than one period.

    Host and guest clocks differ by an unknown offset; it is estimated as
    the smallest (guest time - host time) over the updates seen while
    polling, so a lag is "how much later than the quickest update" (the
    constant part, a virtiofs round trip, is not included).
    """
    index = {}
    for i, (_t, value) in enumerate(writes):
        index.setdefault(value, i)
    # A read racing the exporter's truncate + write (scaphandre#442) is a
    # torn read, a writer-side effect, not a stale value. busybox's read
    # builtin reads byte by byte, so it returns nothing, the start of a
    # value, or the start of one value followed by the rest of the next
    # one from the same offset on.
    written = [v for _t, v in writes]

    def spans_a_rewrite(value, old, new):
        return any(value[:k] == old[:k] and value[k:] == new[k:len(value)]
                   for k in range(len(value) + 1))

    def is_torn(value):
        if value in index:
            return False
        return any(w.startswith(value) for w in written) or any(
            spans_a_rewrite(value, old, new)
            for old, new in zip(written, written[1:]))

    torn = sum(1 for _t, v in seen if is_torn(v))
    unknown = sorted({v for _t, v in seen if v not in index and
                      not is_torn(v)})
    changes = [(g, index[v]) for g, v in seen[1:] if v in index]
    figures = {'period_s': period, 'writes': len(writes),
               'changes_seen': len(changes), 'torn_reads': torn,
               'unknown_values': unknown}
    if not changes:
        figures.update(ok=False, why='the guest saw no update of the '
                       'counter while polling')
        return figures
    offset = min(g - writes[k][0] for g, k in changes)
    lags = [g - writes[k][0] - offset for g, k in changes]
    if window is None:
        window = (seen[0][0], seen[-1][0])
    start_h, end_h = window[0] - offset, window[1] - offset
    # Updates made while the guest polled; the last one may fall in the
    # guest's final poll interval, so it is given poll_max_gap to show up.
    expected = [i for i, (t, _v) in enumerate(writes)
                if start_h < t <= end_h - poll_max_gap]
    seen_idx = {k for _g, k in changes}
    missed = [i for i in expected if i not in seen_idx]
    visible = [b[0] - a[0] for a, b in zip(seen, seen[1:])]
    max_lag = max(lags)
    figures.update(
        offset_s=round(offset, 3),
        lag_max_s=round(max_lag, 3),
        lag_median_s=round(statistics.median(lags), 3),
        max_same_value_s=round(max(visible), 3) if visible else None,
        expected_updates=len(expected), missed_updates=len(missed),
        poll_max_gap_s=round(poll_max_gap, 3))
    tolerance = poll_max_gap + 0.25
    ok = not missed and not unknown and max_lag <= period
    if visible and max(visible) > period + tolerance:
        ok = False
    figures['ok'] = ok
    if not ok:
        figures['why'] = (
            '%d of %d updates never seen, lag max %.3f s, a value stayed '
            'visible up to %s s (period %.1f s)' % (
                len(missed), len(expected), max_lag,
                figures['max_same_value_s'], period))
    return figures


def summary(figures):
    if 'lag_max_s' not in figures:
        return figures.get('why', '')
    return ('%(changes_seen)d updates seen of %(expected_updates)d expected '
            '(%(missed_updates)d missed), lag max %(lag_max_s).3f s, median '
            '%(lag_median_s).3f s, longest same value %(max_same_value_s)s s '
            '(period %(period_s).1f s), torn reads %(torn_reads)d' % figures)
