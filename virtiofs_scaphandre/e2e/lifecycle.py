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

"""Lifecycle operations on the running domain of a Run."""

from virtiofs_scaphandre.e2e import hypervisor

GROUP = 'lifecycle'


def check(run):
    """Reboot, hard reboot, and the operations libvirt and nova refuse."""
    pids = hypervisor.virtiofsd_pids(run.source)

    def reset():
        run.dom.reset(0)
    if run.boot_and_check('after virsh reset (guest reboot)', reset):
        after = hypervisor.virtiofsd_pids(run.source)
        run.result.add(GROUP, 'reboot (reset) keeps the share with the '
                       'same virtiofsd', bool(after) and after == pids,
                       'virtiofsd pids before %s after %s' % (pids, after))

    def destroy_start():
        run.dom.destroy()
        run.dom.create()
    if run.boot_and_check('after destroy + start', destroy_start):
        after = hypervisor.virtiofsd_pids(run.source)
        run.result.add(GROUP, 'destroy + start keeps the share (new '
                       'QEMU and virtiofsd)', bool(after),
                       'virtiofsd pids %s' % after)
        if run.native:
            run.check_virtiofsd()
    check_refused_by_libvirt(run)
    refused = run.nova('refuse', run.nova_config(), timeout=120)
    for op, out in sorted(refused.items()):
        run.result.add(
            GROUP, 'nova API refuses %s up front (HTTP 409)' % op,
            out.get('refused') and out.get('http_409_in_controller'),
            out.get('message') or '%s: %s' % (
                out.get('exception'), out.get('error')))


def check_refused_by_libvirt(run):
    """managedsave and live migration: refused, or done and undone.

    A stack whose virtiofsd can migrate (migrate-precopy) may accept them;
    then the domain must come back with its share.
    """
    libvirt = hypervisor.libvirt_module()
    for op, call in (
            ('managedsave', lambda: run.dom.managedSave(0)),
            ('live migration', lambda: run.dom.migrate(
                run.conn, libvirt.VIR_MIGRATE_LIVE, None, None, 0))):
        try:
            call()
            error = None
        except libvirt.libvirtError as e:
            error = e.get_error_message()
        state = hypervisor.domain_state(run.dom)
        run.result.info['libvirt %s error' % op] = error or 'none'
        restored = None
        if state != 'running':
            # A start resumes a managed save image; it must come back with
            # its share.
            run.dom.create()
            restored = hypervisor.domain_state(run.dom)
        run.result.add(
            GROUP, '%s of the running domain: refused by libvirt with the '
            'domain left running, or done and undone' % op,
            (error is not None and state == 'running') or
            (error is None and restored == 'running' and
             bool(hypervisor.virtiofsd_pids(run.source))),
            'libvirt said: %s; domain %s%s' % (
                error or 'nothing (accepted)', state,
                ', %s after start' % restored if restored else ''))
