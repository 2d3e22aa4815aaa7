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

"""Benchmark of the feature on real libvirt (prints numbers; not a test).

    tools/bench-e2e   (runs this through tools/e2e-check --bench)

1. guest boot time, nova's domain (hugepages + virtiofs share) against the
   same domain without the share and without hugepages (and the two
   halves), from virsh start to the guest's READY line (share mounted and
   read): N rounds (default 5) booting each variant in turn, after a
   warm-up round;
2. freshness of the counter with virtiofsd's default cache (no <binary>)
   and with <cache mode='none'/> (nova's choice), for a file rewritten in
   place (Scaphandre) and one replaced by rename;
3. which cache modes and <readonly/> this libvirt/virtiofsd accept.
"""

import json
import os
import statistics
import sys
import time

from virtiofs_scaphandre.e2e import domxml
from virtiofs_scaphandre.e2e import freshness
from virtiofs_scaphandre.e2e import guestlog
from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import main as e2e_main
from virtiofs_scaphandre.e2e import report
from virtiofs_scaphandre.e2e import run as e2e_run

RENAMED = 'renamed/energy_uj'


class Bench(e2e_run.Run):

    def variant(self, suffix, xml, cmdline):
        name = '%sbench-%s' % (hypervisor.PREFIX, suffix)
        log = os.path.join(self.run_dir, 'console-%s.log' % name)
        xml = domxml.set_name_uuid(xml, name, _uuid(suffix))
        xml = domxml.set_cmdline(xml, cmdline, log)
        hypervisor.destroy_and_undefine(self.conn, name)
        dom = self.conn.defineXML(xml)
        return dom, hypervisor.ConsoleLog(log)

    def boot_once(self, dom, console):
        """(s from virsh start to READY, guest uptime at READY in s)."""
        console.mark()
        t0 = time.monotonic()
        dom.create()
        try:
            console.wait_for('READY', self.args.boot_timeout,
                             alive=hypervisor.not_running_reason(dom))
            host_s = time.monotonic() - t0
        finally:
            dom.destroy()
        boot = console.boots()[-1]
        ready = guestlog.first(boot, 'READY')
        started = guestlog.first(boot, 'BOOT')
        return host_s, {
            'kernel to /init': int(started['init_cs']) / 100.0,
            'module loading': (int(started['uptime_cs']) -
                               int(started['init_cs'])) / 100.0,
            'mount + first read': (int(ready['uptime_cs']) -
                                   int(started['uptime_cs'])) / 100.0,
            'guest uptime at READY': int(ready['uptime_cs']) / 100.0}

    def boot_times(self, runs):
        """Boot each variant in turn, round after round.

        So the varying load of a shared host weighs on each variant alike.
        """
        base = self.spawned['xml']
        boot = self.cmdline('boot')
        no_fs_cmd = boot.replace('e2e.tag=%s' % e2e_run.TAG, 'e2e.tag=')
        variants = [
            ('nova: hugepages + virtiofs', 'hp-fs', base, boot),
            ('hugepages, no share', 'hp', domxml.without_filesystems(base),
             no_fs_cmd),
            ('memfd + virtiofs', 'memfd-fs', domxml.set_memory_backing(
                base, None, memfd=True), boot),
            ('no share, no hugepages', 'plain', domxml.set_memory_backing(
                domxml.without_filesystems(base), None), no_fs_cmd),
        ]
        doms = []
        times = {label: [] for label, _s, _x, _c in variants}
        guest = {label: [] for label, _s, _x, _c in variants}
        try:
            for label, suffix, xml, cmdline in variants:
                doms.append((label,) + self.variant(suffix, xml, cmdline))
            for round_ in range(runs + 1):
                for label, dom, console in doms:
                    host_s, guest_s = self.boot_once(dom, console)
                    if round_:  # round 0 warms the caches up
                        times[label].append(host_s)
                        guest[label].append(guest_s)
        finally:
            for _label, dom, _console in doms:
                hypervisor.destroy_and_undefine(self.conn, dom.name())
        results = {}
        for label, _s, _x, _c in variants:
            t = times[label]
            phases = {phase: round(statistics.median(
                g[phase] for g in guest[label]), 2)
                for phase in guest[label][0]}
            results[label] = {
                'runs_s': [round(x, 3) for x in t],
                'min_s': round(min(t), 3),
                'median_s': round(statistics.median(t), 3),
                'guest phases, median s': phases}
            print('bench: boot %-28s median %.3f s  min %.3f s  %s' % (
                label, results[label]['median_s'], results[label]['min_s'],
                results[label]['runs_s']), flush=True)
            print('bench:      guest side (median): %s' % ', '.join(
                '%s %.2f s' % kv for kv in phases.items()), flush=True)
        full = results['nova: hugepages + virtiofs']
        for other in ('no share, no hugepages', 'hugepages, no share'):
            for stat in ('median_s', 'min_s'):
                key = 'ratio nova / %s (%s)' % (other, stat[:-2])
                results[key] = round(full[stat] / results[other][stat], 3)
                print('bench: %s: %.3f' % (key, results[key]), flush=True)
        return results

    def freshness(self, seconds):
        renamed = os.path.join(self.inst_dir, RENAMED)
        os.makedirs(os.path.dirname(renamed), exist_ok=True)
        rename_writer = freshness.CounterWriter(
            renamed, period=self.args.period, mode='rename', start=5000000)
        rename_writer.start()
        cmd = self.cmdline('full').replace(
            'e2e.fresh=%d' % self.args.fresh_seconds,
            'e2e.fresh=%d' % seconds).replace(
            'e2e.fresh_files=%s' % freshness.COUNTER,
            'e2e.fresh_files=%s,%s' % (freshness.COUNTER, RENAMED))
        out = {}
        try:
            for label, mode in (('default cache (no <binary>)', None),
                                ("<cache mode='none'/>", 'none')):
                xml = domxml.set_cache_mode(self.spawned['xml'], mode)
                dom, console = self.variant('cache-%s' % (mode or 'default'),
                                            xml, cmd)
                try:
                    console.mark()
                    dom.create()
                    console.wait_for('DONE', seconds + self.args.boot_timeout,
                                     alive=hypervisor.not_running_reason(dom))
                    argv = _virtiofsd_argv(self.source)
                finally:
                    hypervisor.destroy_and_undefine(self.conn, dom.name())
                boot = console.boots()[-1]
                end = guestlog.first(boot, 'FRESHEND')
                for fname, writer, how in (
                        (freshness.COUNTER, self.writer, 'in place'),
                        (RENAMED, rename_writer, 'rename')):
                    seen = [(int(f['t']) / 100.0, f.get('v', ''))
                            for f in guestlog.find(boot, 'FRESH',
                                                   file=fname)]
                    figures = freshness.analyze(
                        writer.writes, seen, self.args.period,
                        poll_max_gap=int(end['maxgap_cs']) / 100.0,
                        window=(int(end['start']) / 100.0,
                                int(end['end']) / 100.0))
                    figures['virtiofsd_argv'] = argv
                    key = '%s, %s' % (label, how)
                    out[key] = figures
                    print('bench: freshness %-40s %s' % (
                        key, freshness.summary(figures)), flush=True)
        finally:
            rename_writer.stop()
        return out

    def acceptance(self):
        """Does libvirt define each cache mode and <readonly/>?"""
        out = {}
        base = self.spawned['xml']
        cases = [('cache none', domxml.set_cache_mode(base, 'none')),
                 ('cache always', domxml.set_cache_mode(base, 'always')),
                 ('cache auto', domxml.set_cache_mode(base, 'auto')),
                 ('default cache', domxml.set_cache_mode(base, None)),
                 ('<readonly/>', base.replace(
                     '</filesystem>', '<readonly/></filesystem>', 1))]
        libvirt = hypervisor.libvirt_module()
        for label, xml in cases:
            name = '%sbench-accept' % hypervisor.PREFIX
            xml = domxml.set_name_uuid(xml, name, _uuid('accept'))
            try:
                self.conn.defineXML(xml)
                out[label] = 'defined'
            except libvirt.libvirtError as e:
                out[label] = 'refused: %s' % e.get_error_message()
            finally:
                hypervisor.destroy_and_undefine(self.conn, name)
            print('bench: libvirt %-14s %s' % (label, out[label]),
                  flush=True)
        return out


def _uuid(suffix):
    import uuid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'e2e-vfs-bench-' + suffix))


def _virtiofsd_argv(source_dir):
    pids = hypervisor.virtiofsd_pids(source_dir)
    if not pids:
        return None
    with open('/proc/%d/cmdline' % pids[0], 'rb') as f:
        return f.read().replace(b'\0', b' ').decode().strip()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    runs = 5
    fresh = 12
    if '--runs' in argv:
        i = argv.index('--runs')
        runs = int(argv[i + 1])
        del argv[i:i + 2]
    if '--bench-fresh-seconds' in argv:
        i = argv.index('--bench-fresh-seconds')
        fresh = int(argv[i + 1])
        del argv[i:i + 2]
    args = e2e_main.parse_args(argv)
    result = report.Result()
    bench = Bench(args, result)
    out = {}
    rc = 0
    try:
        bench.versions()
        bench.check_clashes()
        bench.prepare_dirs()
        bench.choose_accelerator()
        bench.spawn()
        bench.expect = bench.fill_instance_dir()
        out['accelerator'] = result.info['accelerator']
        out['versions'] = result.versions
        out['libvirt acceptance'] = bench.acceptance()
        out['boot'] = bench.boot_times(runs)
        out['freshness'] = bench.freshness(fresh)
    except (Exception, KeyboardInterrupt, SystemExit) as e:
        import traceback
        traceback.print_exc()
        out['error'] = '%s: %s' % (type(e).__name__, e)
        rc = 2
    finally:
        e2e_main.cleanup(bench, check=False)
    with open(args.json, 'w') as f:
        json.dump(out, f, indent=2, sort_keys=True)
    print(json.dumps(out, indent=2, sort_keys=True))
    print('bench: JSON in %s' % os.path.abspath(args.json))
    return rc


if __name__ == '__main__':
    sys.exit(main())
