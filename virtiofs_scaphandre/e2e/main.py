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

"""Orchestration of the e2e check; run by tools/e2e-check as root.

    python -m virtiofs_scaphandre.e2e.main --guest-dir DIR \
        --nova-python PY [options]
    python -m virtiofs_scaphandre.e2e.main --cleanup-only

The bash entry point has already installed and checked the hypervisor,
mounted hugetlbfs, started libvirtd/virtlogd and reserved hugepages
(devstack/lib/hypervisor); this module does everything with the domain.
"""

import argparse
from importlib import metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

from virtiofs_scaphandre.e2e import domxml
from virtiofs_scaphandre.e2e import freshness
from virtiofs_scaphandre.e2e import guestlog
from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import report

TAG = 'scaphandre'
NAME_TEMPLATE = hypervisor.PREFIX + '%08x'
INSTANCE_ID = 0x00e2e001
SIBLING_ID = 0x00e2e002
DEFAULT_RUN_DIR = '/var/lib/libvirt/e2e-vfs'


class RunError(Exception):
    """The run cannot go on; the message says why."""


def instance_name(instance_id):
    return NAME_TEMPLATE % instance_id


def _mounts_under(path):
    path = path.rstrip('/')
    found = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mnt = line.split()[4].replace('\\040', ' ')
            if mnt == path or mnt.startswith(path + '/'):
                found.append(mnt)
    return found


def _mount_options(path):
    with open('/proc/self/mountinfo') as f:
        for line in f:
            fields = line.split()
            if fields[4] == path:
                return fields[5]
    return None


class Run(object):

    def __init__(self, args, result):
        self.args = args
        self.result = result
        self.run_dir = args.run_dir
        self.host_dir = os.path.join(self.run_dir, TAG)
        self.state_path = os.path.join(self.run_dir, 'state')
        self.guest_dir = os.path.join(self.run_dir, 'guest')
        self.name = instance_name(INSTANCE_ID)
        self.sibling = instance_name(SIBLING_ID)
        self.inst_dir = os.path.join(self.host_dir, self.name)
        self.console = hypervisor.ConsoleLog(
            os.path.join(self.run_dir, 'console-%s.log' % self.name))
        self.conn = None
        self.dom = None
        self.writer = None
        self.spawned = None
        self.token = uuid.uuid4().hex[:12]
        self.secrets = []
        self.virt_type = None
        self.logs_dir = args.logs_dir or os.path.join(
            os.path.dirname(os.path.abspath(args.json)), 'e2e-logs')

    # -- set-up -------------------------------------------------------------

    def nova_config(self, **extra):
        cfg = {
            'host': 'e2e-host',
            'state_path': self.state_path,
            'instances_path': os.path.join(self.run_dir, 'instances'),
            'name_template': NAME_TEMPLATE,
            'virt_type': self.virt_type or 'qemu',
            'share_local_fs': json.dumps({self.host_dir: TAG}),
            'flavor_name': 'e2e-power-metrics',
            'memory_mb': self.args.memory_mb,
            'vcpus': 1,
            'extra_specs': {'hw:power_metrics': 'true',
                            'hw:mem_page_size': str(self.args.page_kb)},
            'instance_id': INSTANCE_ID,
            'uuid': '6f1b0a52-0a4e-4d7e-9a55-0e2e00e2e001',
            'kernel': os.path.join(self.guest_dir, 'vmlinuz'),
            'initrd': os.path.join(self.guest_dir, 'initrd.img'),
            'cmdline': self.cmdline(),
            'console_log': self.console.path,
            'tag': TAG,
        }
        cfg.update(extra)
        return cfg

    def cmdline(self, mode='full'):
        return ' '.join([
            'console=ttyS0', 'quiet', 'loglevel=1', 'e2e.mode=%s' % mode,
            'e2e.tag=%s' % TAG, 'e2e.read=hello.txt,%s' % freshness.COUNTER,
            'e2e.fresh=%d' % self.args.fresh_seconds,
            'e2e.fresh_files=%s' % freshness.COUNTER,
            'e2e.sibling=%s' % self.sibling])

    def nova(self, command, cfg, timeout=300):
        path = os.path.join(self.run_dir, 'nova-%s.json' % command)
        with open(path, 'w') as f:
            json.dump(cfg, f)
        log_path = os.path.join(self.run_dir, 'nova-%s.log' % command)
        # The run directory goes away; its logs are kept in logs_dir.
        kept = os.path.join(self.logs_dir, os.path.basename(log_path))
        env = dict(os.environ)
        env['PYTHONPATH'] = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        with open(log_path, 'w') as log:
            try:
                proc = subprocess.run(
                    [self.args.nova_python, '-m',
                     'virtiofs_scaphandre.e2e.nova_side', command,
                     path], stdout=subprocess.PIPE, stderr=log, env=env,
                    timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise RunError('nova %s did not finish in %d s (log: %s)' % (
                    command, timeout, kept))
        lines = proc.stdout.decode('utf-8', 'replace').strip().splitlines()
        try:
            out = json.loads(lines[-1])
        except (IndexError, ValueError):
            raise RunError('nova %s printed no result (rc %d, log: %s)' % (
                command, proc.returncode, kept))
        if not out['ok']:
            raise RunError('nova %s failed: %s (log: %s)' % (
                command, out['error'], kept))
        return out['result']

    def prepare_dirs(self):
        leftovers = _mounts_under(self.run_dir)
        if leftovers:
            raise RunError(
                'mounts left under %s by an earlier run: %s (run '
                'tools/e2e-check --cleanup-only)' % (self.run_dir,
                                                     ' '.join(leftovers)))
        if os.path.exists(self.run_dir):
            shutil.rmtree(self.run_dir)
        for d in (self.host_dir, self.state_path, self.guest_dir):
            os.makedirs(d)
        if self.args.tmpfs_host_dir:
            # Scaphandre's documentation suggests a tmpfs for its tree.
            subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=16m',
                            'e2e-vfs-scaphandre', self.host_dir], check=True)
        self.result.info['share_local_fs'] = json.dumps({self.host_dir: TAG})
        self.result.info['[DEFAULT] state_path'] = self.state_path
        for f in ('vmlinuz', 'initrd.img'):
            shutil.copy(os.path.join(self.args.guest_dir, f), self.guest_dir)
        # Another instance's directory, as the exporter writes it, holding a
        # secret the guest must never see.
        sib = os.path.join(self.host_dir, self.sibling)
        freshness.make_exporter_tree(sib)
        secret = 'SIBLING-SECRET-%s' % self.token
        with open(os.path.join(sib, 'secret.txt'), 'w') as f:
            f.write(secret + '\n')
        self.secrets.append(secret)
        host_secret = 'HOST-SECRET-%s' % self.token
        with open(os.path.join(self.host_dir, 'secret.txt'), 'w') as f:
            f.write(host_secret + '\n')
        self.secrets.append(host_secret)

    def fill_instance_dir(self):
        """What the exporter (and a hostile host-side symlink) put there."""
        counter = freshness.make_exporter_tree(self.inst_dir)
        with open(os.path.join(self.inst_dir, 'hello.txt'), 'w') as f:
            f.write('hello-%s\n' % self.token)
        links = {
            'sibling-relative': os.path.join('..', self.sibling),
            'sibling-absolute': os.path.join(self.host_dir, self.sibling),
            'parent': '..',
            'host-etc': '/etc',
        }
        for link, target in links.items():
            os.symlink(target, os.path.join(self.inst_dir, link))
        self.writer = freshness.CounterWriter(
            counter, period=self.args.period, mode='inplace')
        self.writer.start()
        listing = {('dir', '/intel-rapl:0'), ('dir', '/intel-rapl:0:0'),
                   ('file', '/' + freshness.COUNTER),
                   ('file', '/hello.txt')}
        listing |= {('link', '/' + link) for link in links}
        return guestlog.GuestExpectations(
            files={'hello.txt': 'hello-%s' % self.token},
            counter=freshness.COUNTER, listing=listing,
            sibling=self.sibling, secrets=self.secrets,
            host_only_names={'secret.txt', self.name, TAG, 'state'})

    # -- phases -------------------------------------------------------------

    def versions(self):
        self.conn = hypervisor.connect()

        def dotted(v):
            return '%d.%d.%d' % (v // 1000000, v // 1000 % 1000, v % 1000)
        self.result.versions['libvirt'] = dotted(self.conn.getLibVersion())
        self.result.versions['qemu'] = dotted(self.conn.getVersion())
        self.result.versions['libvirt-python'] = metadata.version(
            'libvirt-python')
        virtiofsd = self.args.virtiofsd or ''
        self.result.versions['virtiofsd'] = virtiofsd or 'unknown'
        if virtiofsd and os.path.exists(virtiofsd):
            out = subprocess.run([virtiofsd, '--version'],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=10,
                                 check=False).stdout.decode()
            line = out.strip().splitlines()[0] if out.strip() else ''
            self.result.versions['virtiofsd'] = '%s (%s)' % (virtiofsd, line)
        env = {}
        env_file = os.path.join(self.args.guest_dir, 'guest.env')
        if os.path.exists(env_file):
            with open(env_file) as f:
                for line in f:
                    key, _sep, value = line.strip().partition('=')
                    env[key] = value.strip('"')
        self.result.versions['guest kernel'] = '%s %s' % (
            env.get('KERNEL_PACKAGE', '?'), env.get('KERNEL_VERSION', '?'))
        self.result.versions['host kernel'] = os.uname().release

    def check_clashes(self):
        existing = hypervisor.our_domains(self.conn)
        if existing:
            raise RunError(
                'domain name clash: libvirt already has %s (another '
                'e2e-check running, or left over: run tools/e2e-check '
                '--cleanup-only, or virsh destroy/undefine them)' %
                ', '.join(existing))

    def choose_accelerator(self):
        want = self.args.virt_type
        if want == 'auto':
            self.virt_type, why = hypervisor.probe_accelerator(
                self.conn, os.path.join(self.guest_dir, 'vmlinuz'),
                os.path.join(self.guest_dir, 'initrd.img'),
                os.path.join(self.run_dir, 'console-kvm-probe.log'))
        else:
            self.virt_type, why = want, 'asked for with --virt-type'
        label = 'KVM' if self.virt_type == 'kvm' else 'TCG (no KVM)'
        self.result.info['accelerator'] = '%s: %s' % (label, why)
        print('e2e: accelerator %s: %s' % (label, why), flush=True)

    def spawn(self):
        group = 'nova'
        t0 = time.monotonic()
        try:
            spawned = self.nova('spawn', self.nova_config())
        except RunError as e:
            self.result.add(group, 'nova prepares the share and defines the '
                            'domain', False, str(e))
            raise
        self.result.time('nova spawn (XML + views + define)',
                         time.monotonic() - t0)
        self.spawned = spawned
        self.dom = self.conn.lookupByName(spawned['name'])
        self.result.info['nova'] = spawned['nova_file']
        self.result.info['adaptations of nova XML'] = spawned['changes']
        with open(os.path.join(self.run_dir, 'nova-guest.xml'), 'w') as f:
            f.write(spawned['nova_xml'])
        with open(os.path.join(self.run_dir, 'domain.xml'), 'w') as f:
            f.write(spawned['xml'])
        self.result.add(group, 'instance_name_template gives the domain name',
                        spawned['name'] == self.name,
                        'expected %s, nova named it %s' % (
                            self.name, spawned['name']))
        self.result.add(group, 'trait COMPUTE_SHARE_LOCAL_FS reported',
                        spawned['traits'].get('COMPUTE_SHARE_LOCAL_FS'),
                        str(spawned['traits']))
        ro_view = os.path.join(self.state_path, 'share_local_fs', self.name,
                               TAG)
        expect_ro = self.args.expect_native_readonly
        if expect_ro is None:
            expect_ro = bool(spawned['native_readonly'])
        for name, ok, detail in domxml.check_nova_xml(
                spawned['nova_xml'], self.name, ro_view, TAG,
                expect_readonly=expect_ro, page_size_kb=self.args.page_kb):
            self.result.add(group, 'guest XML: ' + name, ok, detail)
        self.result.add(group, 'nova created %s' % self.inst_dir,
                        os.path.isdir(self.inst_dir))
        self.check_view(group, ro_view)

    def check_view(self, group, ro_view):
        opts = _mount_options(ro_view)
        same = False
        if opts is not None:
            a, b = os.stat(ro_view), os.stat(self.inst_dir)
            same = (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
        self.result.add(
            group, 'read-only view is a read-only bind of the instance '
            'directory', opts is not None and 'ro' in opts.split(',') and
            same, 'mount options %s; same inode as %s: %s' % (
                opts, self.inst_dir, same))
        try:
            with open(os.path.join(ro_view, 'host-write-test'), 'w'):
                pass
            wrote = 'host root could write through the view'
        except OSError as e:
            wrote = None if e.errno == 30 else str(e)
        self.result.add(group, 'even host root gets EROFS through the view',
                        wrote is None, wrote or 'EROFS')

    def boot_and_check(self, label, start, full=True):
        """Run start() (which boots the guest), then check that boot."""
        group = 'guest (%s)' % label
        self.console.mark()
        t0 = time.monotonic()
        start()
        try:
            ready = self.console.wait_for(
                'READY', self.args.boot_timeout,
                alive=hypervisor.not_running_reason(self.dom))
            boot_s = time.monotonic() - t0
            self.result.time('boot to READY: %s' % label, boot_s)
            self.console.wait_for(
                'DONE', self.args.fresh_seconds + self.args.boot_timeout,
                alive=hypervisor.not_running_reason(self.dom))
        except hypervisor.Timeout as e:
            tail = self.console.text()[-800:]
            self.result.add(group, 'guest boots and runs its checks', False,
                            '%s; console tail:\n%s' % (e, tail))
            return False
        del ready
        boots = self.console.boots()
        boot = boots[-1]
        self.result.add(group, 'guest boots and runs its checks', True,
                        'READY %.2f s after start (%s)' % (
                            boot_s, self.virt_type))
        guestlog.check_boot(boot, self.expect, self.result, group,
                            full=full, log_text=self.console.text(0))
        self.check_freshness(boot, group, label)
        return True

    def check_freshness(self, boot, group, label):
        seen = [(int(f['t']) / 100.0, f.get('v', ''))
                for f in guestlog.find(boot, 'FRESH')]
        end = guestlog.first(boot, 'FRESHEND')
        if not seen or end is None:
            self.result.add(group, 'counter seen fresh', False,
                            'no freshness results from the guest')
            return
        figures = freshness.analyze(
            self.writer.writes, seen, self.args.period,
            poll_max_gap=int(end['maxgap_cs']) / 100.0,
            window=(int(end['start']) / 100.0, int(end['end']) / 100.0))
        figures['guest_reads'] = int(end['reads'])
        self.result.measurements['freshness: %s' % label] = figures
        self.result.add(group, 'counter seen fresh (never older than one '
                        'update period of %.0f s)' % self.args.period,
                        figures['ok'], freshness.summary(figures))

    def lifecycle(self):
        libvirt = hypervisor.libvirt_module()
        ro_view = self.spawned['ro_view']
        pids = hypervisor.virtiofsd_pids(ro_view)
        group = 'lifecycle'

        def reset():
            self.dom.reset(0)
        if self.boot_and_check('after virsh reset (guest reboot)', reset):
            after = hypervisor.virtiofsd_pids(ro_view)
            self.result.add(group, 'reboot (reset) keeps the share with the '
                            'same virtiofsd', bool(after) and after == pids,
                            'virtiofsd pids before %s after %s' % (
                                pids, after))

        def destroy_start():
            self.dom.destroy()
            self.dom.create()
        if self.boot_and_check('after destroy + start', destroy_start):
            after = hypervisor.virtiofsd_pids(ro_view)
            self.result.add(group, 'destroy + start keeps the share (new '
                            'QEMU and virtiofsd)', bool(after),
                            'virtiofsd pids %s' % after)

        for op, call in (
                ('managedsave', lambda: self.dom.managedSave(0)),
                ('live migration', lambda: self.dom.migrate(
                    self.conn, libvirt.VIR_MIGRATE_LIVE, None, None, 0))):
            try:
                call()
                error = None
            except libvirt.libvirtError as e:
                error = e.get_error_message()
            state = hypervisor.domain_state(self.dom)
            self.result.info['libvirt %s error' % op] = error or 'none'
            self.result.add(
                group, '%s of the running domain fails in libvirt, domain '
                'keeps running' % op, error is not None and
                state == 'running',
                'libvirt said: %s; domain %s' % (error, state))
            if state != 'running':
                # A managed save that worked must not leave it stopped.
                if self.dom.hasManagedSaveImage(0):
                    self.dom.managedSaveRemove(0)
                self.dom.create()

        refused = self.nova('refuse', self.nova_config(), timeout=120)
        for op, out in sorted(refused.items()):
            self.result.add(
                group, 'nova API refuses %s up front (HTTP 409)' % op,
                out.get('refused') and out.get('http_409_in_controller'),
                out.get('message') or '%s: %s' % (
                    out.get('exception'), out.get('error')))

    # -- tear-down ----------------------------------------------------------

    def cleanup(self, check=True):
        problems = []
        if self.writer is not None:
            self.writer.stop()
        try:
            conn = self.conn or hypervisor.connect()
            for name in hypervisor.our_domains(conn):
                hypervisor.destroy_and_undefine(conn, name)
        except Exception as e:
            problems.append('domains: %s' % e)
        if self.spawned is not None or os.path.isdir(
                os.path.join(self.state_path, 'share_local_fs', self.name)):
            try:
                out = self.nova('cleanup', self.nova_config(), timeout=120)
                if check:
                    self.result.add(
                        'nova', 'nova removed the read-only view when the '
                        'instance left', not out['mounted_after'] and
                        not out['views_dir_exists'],
                        'mounted before %s, after %s' % (
                            out['mounted_before'], out['mounted_after']))
            except RunError as e:
                problems.append(str(e))
        problems.extend(unmount_all(self.run_dir))
        self.keep_logs()
        if not _mounts_under(self.run_dir) and not self.args.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)
        return problems

    def keep_logs(self):
        """Console logs, nova's logs and the XMLs outlive the run dir."""
        if not os.path.isdir(self.run_dir):
            return
        if os.path.isdir(self.logs_dir):
            shutil.rmtree(self.logs_dir)
        os.makedirs(self.logs_dir)
        for name in sorted(os.listdir(self.run_dir)):
            if name.endswith(('.log', '.xml', '.json')):
                shutil.copy(os.path.join(self.run_dir, name), self.logs_dir)
        self.result.info['logs'] = self.logs_dir


def unmount_all(path):
    problems = []
    for mnt in sorted(_mounts_under(path), key=len, reverse=True):
        rc = subprocess.run(['umount', mnt], stderr=subprocess.PIPE,
                            check=False)
        if rc.returncode:
            rc = subprocess.run(['umount', '-l', mnt],
                                stderr=subprocess.PIPE, check=False)
            if rc.returncode:
                problems.append('cannot unmount %s: %s' % (
                    mnt, rc.stderr.decode().strip()))
    return problems


def cleanup_only(args):
    """Remove what any earlier run left: domains, mounts, files."""
    problems = []
    try:
        conn = hypervisor.connect()
        for name in hypervisor.our_domains(conn):
            hypervisor.destroy_and_undefine(conn, name)
            print('e2e: removed domain %s' % name)
    except Exception as e:
        problems.append('libvirt: %s' % e)
    problems.extend(unmount_all(args.run_dir))
    if not _mounts_under(args.run_dir):
        shutil.rmtree(args.run_dir, ignore_errors=True)
    for p in problems:
        print('e2e: cleanup: %s' % p, file=sys.stderr)
    return 1 if problems else 0


def _terminate(signum, _frame):
    raise SystemExit('e2e: stopped by signal %d' % signum)


def parse_args(argv):
    p = argparse.ArgumentParser(prog='e2e-check')
    p.add_argument('--guest-dir')
    p.add_argument('--nova-python', default=sys.executable)
    p.add_argument('--run-dir', default=DEFAULT_RUN_DIR)
    p.add_argument('--json', default='e2e-result.json')
    p.add_argument('--logs-dir', default=None,
                   help='where logs and XMLs are kept (default: e2e-logs '
                   'beside the JSON file)')
    p.add_argument('--virt-type', choices=('auto', 'kvm', 'qemu'),
                   default='auto')
    p.add_argument('--virtiofsd', default='')
    p.add_argument('--memory-mb', type=int, default=256)
    p.add_argument('--page-kb', type=int, default=2048)
    p.add_argument('--period', type=float, default=2.0)
    p.add_argument('--fresh-seconds', type=int, default=9)
    p.add_argument('--boot-timeout', type=float, default=90.0)
    p.add_argument('--expect-native-readonly', default=None,
                   type=lambda v: v.lower() in ('1', 'true', 'yes'))
    p.add_argument('--no-lifecycle', action='store_true')
    p.add_argument('--tmpfs-host-dir', action='store_true',
                   help='mount a tmpfs on the share_local_fs directory')
    p.add_argument('--keep', action='store_true',
                   help='keep the run directory (not the domain)')
    p.add_argument('--cleanup-only', action='store_true')
    p.add_argument('--started', type=float, default=None,
                   help='epoch time the whole check started')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.cleanup_only:
        return cleanup_only(args)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    result = report.Result()
    if args.started:
        result.started = args.started
    run = Run(args, result)
    try:
        run.versions()
        run.check_clashes()
        run.prepare_dirs()
        run.choose_accelerator()
        run.spawn()
        run.expect = run.fill_instance_dir()
        if run.boot_and_check('first boot', run.dom.create) and (
                not args.no_lifecycle):
            run.lifecycle()
    except RunError as e:
        result.fail_run(str(e))
    except hypervisor.Timeout as e:
        result.fail_run(str(e))
    except (Exception, KeyboardInterrupt, SystemExit) as e:
        import traceback
        traceback.print_exc()
        result.fail_run('%s: %s' % (type(e).__name__, e))
    finally:
        problems = run.cleanup(check=result.error is None)
        for problem in problems:
            result.add('cleanup', 'clean up', False, problem)
    result.write_json(args.json)
    sys.stdout.write(report.render(result.to_dict()))
    print('JSON result: %s' % os.path.abspath(args.json))
    return result.exit_code()


if __name__ == '__main__':
    sys.exit(main())
