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

"""nova and libvirt in different mount namespaces, as in container clouds.

kolla and openstack-helm run nova-compute and libvirtd/virtiofsd in
different containers, sharing the state directories with mount
propagation. Here nova's spawn runs in a mount namespace of its own
(``unshare --mount --propagation unchanged``) whose mounts propagate to the
namespace of libvirtd, QEMU and virtiofsd, as on a systemd host where /
is shared (Run.prepare_dirs makes the run directory a shared mount). The
guest must get EROFS all the same.
"""

import os

from virtiofs_scaphandre.e2e import guestlog
from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import mounts
from virtiofs_scaphandre.e2e import run as e2e_run

GROUP = 'host side'
INSTANCE_ID = 0x00e2e018
NOVA_NAMESPACE = ('unshare', '--mount', '--propagation', 'unchanged', '--')
TITLE = ('nova in another mount namespace than libvirtd and virtiofsd')


def check(run):
    r = run
    name = e2e_run.instance_name(INSTANCE_ID)
    inst_dir = os.path.join(r.host_dir, name)
    view = os.path.join(r.state_path, 'share_local_fs', name, e2e_run.TAG)
    source = inst_dir if r.native else view
    console = hypervisor.ConsoleLog(
        os.path.join(r.run_dir, 'console-%s.log' % name))
    cfg = r.nova_config(
        instance_id=INSTANCE_ID, console_log=console.path,
        uuid='6f1b0a52-0a4e-4d7e-9a55-0e2e%08x' % INSTANCE_ID,
        cmdline=r.cmdline(fresh=0))
    try:
        r.nova('spawn', cfg, label='spawn-split-namespace',
               prefix=NOVA_NAMESPACE)
        expect = r.fill_instance_dir(inst_dir, writer=False)
        hello = os.path.join(inst_dir, 'hello.txt')
        with open(hello) as f:
            before = f.read()
        dom = r.conn.lookupByName(name)
        console.mark()
        dom.create()
        console.wait_for('DONE', r.args.boot_timeout,
                         alive=hypervisor.not_running_reason(dom))
        boot = console.boots()[-1]
        argvs = hypervisor.virtiofsd_argvs(source)
        writes = guestlog.find(boot, 'WRITE')
        allowed = sorted({'%s/%s' % (w['phase'], w['op']) for w in writes
                          if not guestlog.is_denied(w)})
        with open(hello) as f:
            after = f.read()
        planted = [n for n in ('guest-new', 'guest-dir', 'guest-link')
                   if os.path.lexists(os.path.join(inst_dir, n))]
        r.result.add(
            GROUP, '%s: guest writes fail with EROFS, also after '
            'mount -o remount,rw' % TITLE,
            bool(writes) and not allowed and not planted and
            before == after,
            '%d writes tried, allowed: %s; host directory changed: %s; '
            'view in libvirt\'s namespace: %s; virtiofsd: %s' % (
                len(writes), ' '.join(allowed) or 'none',
                ', '.join(planted + ([] if before == after else
                                     ['hello.txt rewritten'])) or 'no',
                mounts.options(view) or 'not a mount',
                ' '.join(argvs[0]) if argvs else 'not found'))
        read = guestlog.first(boot, 'READ', file='hello.txt')
        r.result.add(GROUP, '%s: the guest reads its own directory' % TITLE,
                     read is not None and read.get('content') ==
                     expect.files['hello.txt'],
                     'read %r' % (read.get('content') if read else None))
    except (e2e_run.RunError, hypervisor.Timeout) as e:
        tail = console.text()[-600:]
        r.result.add(GROUP, '%s: guest writes fail with EROFS' % TITLE,
                     False, '%s; console tail:\n%s' % (e, tail))
    finally:
        hypervisor.destroy_and_undefine(r.conn, name)
        try:
            r.nova('cleanup', cfg, label='cleanup-split-namespace',
                   timeout=120)
        except e2e_run.RunError as e:
            r.result.add('cleanup', 'clean up after the split namespace '
                         'check', False, str(e))
