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
import os
import shutil
import signal
import sys

from virtiofs_scaphandre.e2e import hostside
from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import lifecycle
from virtiofs_scaphandre.e2e import mounts
from virtiofs_scaphandre.e2e import report
from virtiofs_scaphandre.e2e import run as e2e_run
from virtiofs_scaphandre.e2e import splitns

DEFAULT_RUN_DIR = '/var/lib/libvirt/e2e-vfs'


def cleanup(run, check=True):
    """Remove the domains, views and directories of a run; [problem]."""
    problems = []
    if run.writer is not None:
        run.writer.stop()
    try:
        conn = run.conn or hypervisor.connect()
        for name in hypervisor.our_domains(conn):
            hypervisor.destroy_and_undefine(conn, name)
    except Exception as e:
        problems.append('domains: %s' % e)
    if run.spawned is not None or os.path.isdir(
            os.path.join(run.state_path, 'share_local_fs', run.name)):
        try:
            out = run.nova('cleanup', run.nova_config(), timeout=120)
            if check:
                run.result.add('nova', *view_removal_check(run.native, out))
        except e2e_run.RunError as e:
            problems.append(str(e))
    problems.extend(mounts.unmount_all(run.run_dir))
    keep_logs(run)
    if not mounts.under(run.run_dir) and not run.args.keep:
        shutil.rmtree(run.run_dir, ignore_errors=True)
    return problems


def view_removal_check(native, out):
    """(name, ok, detail) of nova's view cleanup when the instance left.

    A view stack must have had a view mounted, and lose it; a native stack
    exports the instance directory itself and must never have had one.
    """
    gone = not out['mounted_after'] and not out['views_dir_exists']
    detail = 'mounted before %s, after %s' % (out['mounted_before'],
                                              out['mounted_after'])
    if native:
        return ('nova made no read-only view on a native read-only stack',
                gone and not out['mounted_before'], detail)
    return ('nova removed the read-only view when the instance left',
            gone and bool(out['mounted_before']), detail)


def keep_logs(run):
    """Console logs, nova's logs and the XMLs outlive the run dir."""
    if not os.path.isdir(run.run_dir):
        return
    if os.path.isdir(run.logs_dir):
        shutil.rmtree(run.logs_dir)
    os.makedirs(run.logs_dir)
    for name in sorted(os.listdir(run.run_dir)):
        if name.endswith(('.log', '.xml', '.json')):
            shutil.copy(os.path.join(run.run_dir, name), run.logs_dir)
    run.result.info['logs'] = run.logs_dir


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
    problems.extend(mounts.unmount_all(args.run_dir))
    if not mounts.under(args.run_dir):
        shutil.rmtree(args.run_dir, ignore_errors=True)
    for p in problems:
        print('e2e: cleanup: %s' % p, file=sys.stderr)
    return 1 if problems else 0


def _terminate(signum, _frame):
    raise SystemExit('e2e: stopped by signal %d' % signum)


def _bool(value):
    return value.lower() in ('1', 'true', 'yes')


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
    p.add_argument('--expect-native-readonly', default=None, type=_bool,
                   help='pin whether this stack has native read-only '
                   '(default: decided from libvirt and virtiofsd)')
    p.add_argument('--stack-label', default='',
                   help='how the report names this stack')
    p.add_argument('--no-lifecycle', action='store_true')
    p.add_argument('--no-host-side', action='store_true',
                   help='skip the hostile host side checks')
    p.add_argument('--tmpfs-host-dir', action='store_true',
                   help='mount a tmpfs on the share_local_fs directory')
    p.add_argument('--keep', action='store_true',
                   help='keep the run directory (not the domain)')
    p.add_argument('--cleanup-only', action='store_true')
    p.add_argument('--started', type=float, default=None,
                   help='epoch time the whole check started')
    return p.parse_args(argv)


def check(run, args):
    run.versions()
    run.check_clashes()
    run.prepare_dirs()
    run.choose_accelerator()
    run.spawn()
    run.expect = run.fill_instance_dir()
    if run.boot_and_check('first boot', run.dom.create):
        run.check_virtiofsd()
        if not args.no_lifecycle:
            lifecycle.check(run)
    if not args.no_host_side:
        # Its hugepages go to the host side checks' guest.
        if run.dom.isActive():
            run.dom.destroy()
        hostside.HostSideChecks(run).check()
        splitns.check(run)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.cleanup_only:
        return cleanup_only(args)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    result = report.Result()
    if args.started:
        result.started = args.started
    run = e2e_run.Run(args, result)
    try:
        check(run, args)
    except (e2e_run.RunError, hypervisor.Timeout) as e:
        result.fail_run(str(e))
    except (Exception, KeyboardInterrupt, SystemExit) as e:
        import traceback
        traceback.print_exc()
        result.fail_run('%s: %s' % (type(e).__name__, e))
    finally:
        problems = cleanup(run, check=result.error is None)
        for problem in problems:
            result.add('cleanup', 'clean up', False, problem)
    result.write_json(args.json)
    sys.stdout.write(report.render(result.to_dict()))
    print('JSON result: %s' % os.path.abspath(args.json))
    return result.exit_code()


if __name__ == '__main__':
    sys.exit(main())
