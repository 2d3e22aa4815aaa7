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

"""nova's spawn against a hostile host side, in the nova venv.

    python -m virtiofs_scaphandre.e2e.nova_side attempts CONFIG.json

CONFIG holds the usual spawn settings plus ``attempts``: a list of
``{"label", "instance_id", "uuid", "name_template", "display_name"}``
overrides, one per instance whose host side the caller has prepared
(a symlinked instance directory, a hostile name, ...). For each, nova's
driver writes the XML and runs _create_guest() as for any spawn; what it
made on the host, whether it defined the domain, and the fault a non-admin
user would see when it refused are reported. Then the domain, nova's views
and every mount it made are removed again.
"""

import os
import subprocess

from virtiofs_scaphandre.e2e import nova_side


def _tree(paths):
    """Every path at or below each of paths, without following links.

    A mount point is listed but not entered: what a mount shows is not
    something the attempt made (a view of / would list the whole host).
    """
    found = set()
    for top in paths:
        if not os.path.lexists(top):
            continue
        found.add(top)
        if os.path.islink(top) or not os.path.isdir(top):
            continue
        mount_points = set(nova_side._mounts_under(top)) - {top}
        for root, dirs, files in os.walk(top):
            found.update(os.path.join(root, n) for n in dirs + files)
            dirs[:] = [d for d in dirs
                       if os.path.join(root, d) not in mount_points]
    return found


def user_fault(exc, instance_uuid):
    """The fault a non-admin user sees for a build that raised exc.

    The compute manager turns any spawn error into RescheduledException
    with reason=str(exc) and records that reason as the fault message
    (_build_and_run_instance, _do_build_and_run_instance); the API shows the
    details (a traceback) only to admins when the code is 500.
    """
    from nova.compute import utils as compute_utils
    from nova import exception

    rescheduled = exception.RescheduledException(
        instance_uuid=instance_uuid, reason=str(exc))
    fault = compute_utils.exception_to_dict(
        rescheduled, message=rescheduled.kwargs['reason'])
    shown = {'code': fault['code'], 'message': fault['message']}
    if fault['code'] != 500:
        shown['details'] = 'traceback shown to every user'
    return shown


def _domain_exists(drv, name):
    import libvirt
    try:
        drv._host.get_connection().lookupByName(name)
        return True
    except libvirt.libvirtError:
        return False


def _remove(drv, inst, name, new_mounts):
    """Undo what the attempt made: domain, nova's views, other mounts."""
    problems = []
    try:
        dom = drv._host.get_connection().lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    except Exception as e:
        if _domain_exists(drv, name):
            problems.append('domain %r: %s' % (name, e))
    try:
        drv._remove_local_fs_shares(inst)
    except Exception as e:
        problems.append('nova could not remove its views: %s' % e)
    for mnt in sorted(new_mounts, key=len, reverse=True):
        if mnt in nova_side._mounts_under(mnt):
            rc = subprocess.run(['umount', '-l', mnt], check=False,
                                stderr=subprocess.PIPE)
            if rc.returncode:
                problems.append('umount %s: %s' % (
                    mnt, rc.stderr.decode().strip()))
    return problems


def attempt(drv, cfg, watch, mount_root):
    inst, _image_meta = nova_side._instance(cfg)
    name = inst.name
    paths_before = _tree(watch)
    mounts_before = set(nova_side._mounts_under(mount_root))
    out = {'name': name, 'refused': False}
    try:
        spawned = nova_side.spawn_with(drv, cfg)
        out['nova_xml'] = spawned['nova_xml']
    except Exception as e:
        out.update(refused=True, exception=type(e).__name__,
                   admin_message=str(e)[:2000],
                   user_fault=user_fault(e, inst.uuid))
    out['domain_defined'] = _domain_exists(drv, name)
    new_mounts = sorted(set(nova_side._mounts_under(mount_root)) -
                        mounts_before)
    out['new_mounts'] = new_mounts
    out['new_paths'] = sorted(_tree(watch) - paths_before)
    out['cleanup_problems'] = _remove(drv, inst, name, new_mounts)
    return out


def attempts(cfg):
    conf = nova_side._setup(cfg)
    drv = nova_side._driver()
    drv.init_host(cfg['host'])
    results = {}
    for overrides in cfg['attempts']:
        one = dict(cfg)
        one.update(overrides)
        conf.set_override('instance_name_template', one['name_template'])
        results[one['label']] = attempt(drv, one, cfg['watch'],
                                        cfg['mount_root'])
    conf.set_override('instance_name_template', cfg['name_template'])
    return results
