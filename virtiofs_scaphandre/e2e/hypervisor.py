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

"""Real libvirt operations of the e2e check on qemu:///system."""

import os
import time

from virtiofs_scaphandre.e2e import guestlog

URI = 'qemu:///system'
PREFIX = 'e2e-vfs-'


class Timeout(Exception):
    pass


def libvirt_module():
    import libvirt
    # libvirt prints every error on stderr by default; errors are reported
    # by the check itself.
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt


def connect():
    return libvirt_module().open(URI)


class ConsoleLog(object):
    """The guest's serial console file, read from a given offset on."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def text(self, since=None):
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.offset if since is None else since)
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def mark(self):
        """Later reads start here (used before each boot)."""
        try:
            self.offset = os.path.getsize(self.path)
        except FileNotFoundError:
            self.offset = 0
        return self.offset

    def wait_for(self, word, timeout, poll=0.02, alive=None):
        """Seconds until an "E2E <word>" line appears after the mark.

        alive() is called while waiting; when it returns a string the wait
        stops with that as the reason (e.g. the domain shut off).
        """
        start = time.monotonic()
        needle = 'E2E %s' % word
        while True:
            if needle in self.text():
                return time.monotonic() - start
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                raise Timeout('no "%s" on the guest console after %.0f s'
                              % (needle, timeout))
            if alive is not None:
                why = alive()
                if why:
                    raise Timeout('waiting for "%s": %s' % (needle, why))
            time.sleep(poll)

    def boots(self):
        return guestlog.parse_boots(self.text())


def domain_state(dom):
    libvirt = libvirt_module()
    state = dom.state()[0]
    names = {libvirt.VIR_DOMAIN_RUNNING: 'running',
             libvirt.VIR_DOMAIN_PAUSED: 'paused',
             libvirt.VIR_DOMAIN_SHUTOFF: 'shut off',
             libvirt.VIR_DOMAIN_CRASHED: 'crashed',
             libvirt.VIR_DOMAIN_SHUTDOWN: 'shutting down'}
    return names.get(state, 'state %d' % state)


def not_running_reason(dom):
    def check():
        state = domain_state(dom)
        return None if state == 'running' else 'domain is %s' % state
    return check


def destroy_and_undefine(conn, name):
    """Remove a domain whatever its state; True when one existed."""
    libvirt = libvirt_module()
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return False
    try:
        if dom.isActive():
            dom.destroy()
    except libvirt.libvirtError:
        pass
    flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
             libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
             libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
    try:
        dom.undefineFlags(flags)
    except libvirt.libvirtError:
        dom.undefine()
    return True


def our_domains(conn):
    return sorted(d.name() for d in conn.listAllDomains()
                  if d.name().startswith(PREFIX))


def _virtiofsds(source_dir, proc='/proc'):
    """{pid: argv} of the virtiofsd processes serving exactly source_dir.

    The C virtiofsd takes it as ``-o source=DIR[,...]``, the Rust one as
    ``--shared-dir DIR``.
    """
    found = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, 'cmdline'), 'rb') as f:
                argv = [a.decode('utf-8', 'replace')
                        for a in f.read().split(b'\0') if a]
        except OSError:
            continue
        if not argv or 'virtiofsd' not in os.path.basename(argv[0]):
            continue
        sources = set()
        for i, arg in enumerate(argv):
            if arg == '--shared-dir' and i + 1 < len(argv):
                sources.add(argv[i + 1])
            elif arg.startswith('--shared-dir='):
                sources.add(arg.split('=', 1)[1])
            for opt in arg.split(','):
                if opt.startswith('source='):
                    sources.add(opt[len('source='):])
        if source_dir in sources:
            found[int(entry)] = argv
    return found


def virtiofsd_pids(source_dir, proc='/proc'):
    """PIDs of virtiofsd processes serving source_dir."""
    return sorted(_virtiofsds(source_dir, proc))


def virtiofsd_argvs(source_dir, proc='/proc'):
    """argv of each virtiofsd process serving source_dir, by pid."""
    found = _virtiofsds(source_dir, proc)
    return [found[pid] for pid in sorted(found)]


def probe_domain_xml(name, virt_type, kernel, initrd, console_log,
                     memory_mb=128):
    """A minimal domain (not nova's) to see whether an accelerator boots."""
    return """<domain type='%(type)s'>
  <name>%(name)s</name>
  <memory unit='MiB'>%(mem)d</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>%(kernel)s</kernel>
    <initrd>%(initrd)s</initrd>
    <cmdline>console=ttyS0 quiet loglevel=1 e2e.mode=probe</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <serial type='file'><source path='%(log)s' append='on'/></serial>
  </devices>
</domain>""" % {'type': virt_type, 'name': name, 'mem': memory_mb,
                'kernel': kernel, 'initrd': initrd, 'log': console_log}


def probe_accelerator(conn, kernel, initrd, log_path, timeout=20.0):
    """('kvm' | 'qemu', why): KVM only when a guest actually boots under it."""
    libvirt = libvirt_module()
    if not os.path.exists('/dev/kvm'):
        return 'qemu', '/dev/kvm does not exist'
    name = PREFIX + 'kvm-probe'
    destroy_and_undefine(conn, name)
    console = ConsoleLog(log_path)
    console.mark()
    try:
        dom = conn.defineXML(probe_domain_xml(name, 'kvm', kernel, initrd,
                                              log_path))
        try:
            dom.create()
        except libvirt.libvirtError as e:
            return 'qemu', 'KVM guest does not start: %s' % (
                e.get_error_message().splitlines()[0][:200])
        try:
            took = console.wait_for('PROBE ok', timeout)
        except Timeout as e:
            return 'qemu', 'KVM guest did not reach its /init (%s)' % e
        return 'kvm', 'a KVM guest reached its /init in %.1f s' % took
    finally:
        destroy_and_undefine(conn, name)
