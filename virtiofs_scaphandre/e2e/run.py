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

"""One run of the e2e check: nova spawns, the guest boots and checks."""

import json
import os
import shutil
import subprocess
import time
import uuid

from virtiofs_scaphandre.e2e import domxml
from virtiofs_scaphandre.e2e import freshness
from virtiofs_scaphandre.e2e import guestlog
from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import mounts
from virtiofs_scaphandre.e2e import novacall
from virtiofs_scaphandre.e2e import stack

TAG = 'scaphandre'
NAME_TEMPLATE = hypervisor.PREFIX + '%08x'
INSTANCE_ID = 0x00e2e001
SIBLING_ID = 0x00e2e002
# A host name no path or word of the run contains, so that finding it in a
# text shows that the text names the host.
HOST_NAME = 'e2e-compute-7f3a9c'


class RunError(Exception):
    """The run cannot go on; the message says why."""


def instance_name(instance_id):
    return NAME_TEMPLATE % instance_id


def check_view(result, group, ro_view, inst_dir):
    """nova's read-only view: a read-only bind of inst_dir, even for root."""
    opts = mounts.options(ro_view)
    same = False
    if opts is not None:
        a, b = os.stat(ro_view), os.stat(inst_dir)
        same = (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
    result.add(
        group, 'read-only view is a read-only bind of the instance '
        'directory', opts is not None and 'ro' in opts.split(',') and
        same, 'mount options %s; same inode as %s: %s' % (
            opts, inst_dir, same))
    try:
        with open(os.path.join(ro_view, 'host-write-test'), 'w'):
            pass
        wrote = 'host root could write through the view'
    except OSError as e:
        wrote = None if e.errno == 30 else str(e)
    result.add(group, 'even host root gets EROFS through the view',
               wrote is None, wrote or 'EROFS')


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
        self.source = None
        self.native = False
        self.token = uuid.uuid4().hex[:12]
        self.secrets = []
        self.virt_type = None
        self.expect = None
        self.logs_dir = args.logs_dir or os.path.join(
            os.path.dirname(os.path.abspath(args.json)), 'e2e-logs')

    # -- set-up -------------------------------------------------------------

    def nova_config(self, **extra):
        cfg = {
            'host': HOST_NAME,
            'state_path': self.state_path,
            'instances_path': os.path.join(self.run_dir, 'instances'),
            'name_template': NAME_TEMPLATE,
            'virt_type': self.virt_type or 'qemu',
            'share_local_fs': json.dumps({self.host_dir: TAG}),
            'flavor_name': 'e2e-power-metrics',
            'display_name': 'e2e-power-metrics',
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

    def cmdline(self, mode='full', read=None, fresh=None):
        return ' '.join([
            'console=ttyS0', 'quiet', 'loglevel=1', 'e2e.mode=%s' % mode,
            'e2e.tag=%s' % TAG, 'e2e.read=%s' % (
                read or 'hello.txt,%s' % freshness.COUNTER),
            'e2e.fresh=%d' % (self.args.fresh_seconds if fresh is None
                              else fresh),
            'e2e.fresh_files=%s' % freshness.COUNTER,
            'e2e.sibling=%s' % self.sibling])

    def nova(self, command, cfg, timeout=300, label=None, prefix=()):
        try:
            return novacall.call(self.args.nova_python, self.run_dir,
                                 self.logs_dir, command, cfg, timeout=timeout,
                                 label=label, prefix=prefix)
        except novacall.NovaCallError as e:
            raise RunError(str(e))

    def prepare_dirs(self):
        leftovers = mounts.under(self.run_dir)
        if leftovers:
            raise RunError(
                'mounts left under %s by an earlier run: %s (run '
                'tools/e2e-check --cleanup-only)' % (self.run_dir,
                                                     ' '.join(leftovers)))
        if os.path.exists(self.run_dir):
            shutil.rmtree(self.run_dir)
        os.makedirs(self.run_dir)
        # Mounts below the run directory reach other mount namespaces, as
        # on a systemd host (where / is shared) or a containerised compute.
        mounts.make_shared(self.run_dir)
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
        self.sibling_secret = self.write_secret(sib, 'SIBLING')
        self.host_secret = self.write_secret(self.host_dir, 'HOST')

    def write_secret(self, directory, kind):
        secret = '%s-SECRET-%s' % (kind, self.token)
        with open(os.path.join(directory, 'secret.txt'), 'w') as f:
            f.write(secret + '\n')
        self.secrets.append(secret)
        return secret

    def fill_instance_dir(self, inst_dir=None, writer=True):
        """What the exporter (and a hostile host-side symlink) put there."""
        inst_dir = inst_dir or self.inst_dir
        counter = freshness.make_exporter_tree(inst_dir)
        with open(os.path.join(inst_dir, 'hello.txt'), 'w') as f:
            f.write('hello-%s\n' % self.token)
        links = {
            'sibling-relative': os.path.join('..', self.sibling),
            'sibling-absolute': os.path.join(self.host_dir, self.sibling),
            'parent': '..',
            'host-etc': '/etc',
        }
        for link, target in links.items():
            os.symlink(target, os.path.join(inst_dir, link))
        if writer:
            self.writer = freshness.CounterWriter(
                counter, period=self.args.period, mode='inplace')
            self.writer.start()
        else:
            freshness.write_in_place(counter, b'1000000')
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
        found = stack.collect(self.conn, self.args.virtiofsd,
                              self.args.guest_dir,
                              self.args.expect_native_readonly)
        self.result.versions.update(found['versions'])
        self.native, self.native_why = found['native'], found['why']
        self.result.info['stack'] = found['summary']
        if self.args.stack_label:
            self.result.info['stack'] += ' [%s]' % self.args.stack_label

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
        for name, text in (('nova-guest.xml', spawned['nova_xml']),
                           ('domain.xml', spawned['xml'])):
            with open(os.path.join(self.run_dir, name), 'w') as f:
                f.write(text)
        self.result.add(group, 'instance_name_template gives the domain name',
                        spawned['name'] == self.name,
                        'expected %s, nova named it %s' % (
                            self.name, spawned['name']))
        self.result.add(group, 'trait COMPUTE_SHARE_LOCAL_FS reported',
                        spawned['traits'].get('COMPUTE_SHARE_LOCAL_FS'),
                        str(spawned['traits']))
        self.result.add(
            group, "nova's probe reports native read-only: %s" % (
                'yes' if self.native else 'no'),
            bool(spawned['native_readonly']) == self.native,
            'nova: %s; this stack: %s' % (spawned['native_readonly'],
                                          self.native_why))
        ro_view = os.path.join(self.state_path, 'share_local_fs', self.name,
                               TAG)
        # Native read-only exports the instance directory itself (the
        # spec's <source dir>); otherwise nova's read-only view of it.
        expected = self.inst_dir if self.native else ro_view
        # What virtiofsd gets is what nova wrote, right or wrong.
        self.source = domxml.share_source(spawned['nova_xml']) or expected
        for name, ok, detail in domxml.check_nova_xml(
                spawned['nova_xml'], self.name, expected, TAG,
                expect_readonly=self.native, page_size_kb=self.args.page_kb):
            self.result.add(group, 'guest XML: ' + name, ok, detail)
        self.result.add(group, 'nova created %s' % self.inst_dir,
                        os.path.isdir(self.inst_dir) and
                        not os.path.islink(self.inst_dir))
        if not self.native:
            check_view(self.result, group, ro_view, self.inst_dir)

    def check_virtiofsd(self):
        """What libvirt started virtiofsd with, read from its argv."""
        argvs = hypervisor.virtiofsd_argvs(self.source)
        detail = '; '.join(' '.join(a) for a in argvs) or (
            'no virtiofsd serves %s' % self.source)
        if self.native:
            self.result.add('nova', 'virtiofsd runs with --readonly',
                            bool(argvs) and all('--readonly' in a
                                                for a in argvs), detail)
        else:
            self.result.add('nova', 'virtiofsd exports the read-only view',
                            bool(argvs), detail)

    def boot_and_check(self, label, start, full=True):
        """Run start() (which boots the guest), then check that boot."""
        group = 'guest (%s)' % label
        self.console.mark()
        t0 = time.monotonic()
        start()
        try:
            self.console.wait_for(
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
        boot = self.console.boots()[-1]
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
