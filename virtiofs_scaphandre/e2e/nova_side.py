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

"""Nova's half of the e2e check: runs nova's own code, in the nova venv.

    python -m e2e.nova_side spawn|cleanup|refuse CONFIG.json

Each command prints one JSON object on the last line of stdout. It is a
separate process so that nova's threads, privsep and configuration never
outlive the command, and the caller can bound it with a timeout.

What is nova's real code and what is set up around it:
  - LibvirtDriver (FakeVirtAPI) connects to the real qemu:///system and runs
    init_host(), which validates [compute] share_local_fs;
  - the instance is an in-memory objects.Instance with a flavor asking for
    hw:power_metrics=true and hw:mem_page_size; its NUMA topology comes from
    nova.virt.hardware fitting it to the host topology the driver reports
    (what the resource tracker claim does in a cloud);
  - _get_guest_xml() writes the domain XML, adapted by e2e.domxml;
  - _create_guest(power_on=False) mounts the read-only views through
    privsep (in-process: no privsep daemon, we are root) and defines the
    domain; _remove_local_fs_shares() removes the views;
  - compute.api.API.live_migrate()/suspend() are called with the instance
    to see the API refuse them.
Without a database, the driver's service status update is a no-op.
"""

import json
import os
import sys
import threading
import uuid as uuid_mod

from virtiofs_scaphandre.e2e import domxml


def _setup(cfg):
    import nova.conf
    from nova import config
    from nova import objects
    import nova.privsep

    conf = nova.conf.CONF
    config.parse_args([], default_config_files=[])
    objects.register_all()
    nova.conf.neutron.register_dynamic_opts(conf)
    conf.set_override('host', cfg['host'])
    conf.set_override('state_path', cfg['state_path'])
    conf.set_override('instances_path', cfg['instances_path'])
    conf.set_override('instance_name_template', cfg['name_template'])
    conf.set_override('virt_type', cfg['virt_type'], 'libvirt')
    if cfg.get('cpu_mode'):
        conf.set_override('cpu_mode', cfg['cpu_mode'], 'libvirt')
        conf.set_override('cpu_models', cfg.get('cpu_models', []), 'libvirt')
    conf.set_override('share_local_fs', cfg['share_local_fs'], 'compute')
    # We are root: run privileged functions in this process.
    nova.privsep.sys_admin_pctxt.set_client_mode(False)
    return conf


def _driver():
    from nova.virt import fake
    from nova.virt.libvirt import driver as libvirt_driver

    drv = libvirt_driver.LibvirtDriver(fake.FakeVirtAPI(), False)
    # The service record lives in nova's database, which a cloud-less run
    # does not have.
    drv._set_host_enabled = lambda *args, **kwargs: None
    return drv


def _instance(cfg):
    from nova import objects

    flavor = objects.Flavor(
        id=1, name=cfg['flavor_name'], flavorid=cfg['flavor_name'],
        memory_mb=cfg['memory_mb'], vcpus=cfg['vcpus'], root_gb=0,
        ephemeral_gb=0, swap=0, extra_specs=dict(cfg['extra_specs']))
    props = dict(cfg.get('image_properties', {}))
    image_meta = objects.ImageMeta.from_dict({
        'disk_format': 'raw', 'container_format': 'bare',
        'properties': props})
    # Instance.image_meta is read from the image_* system metadata.
    sysmeta = {'image_disk_format': 'raw', 'image_container_format': 'bare'}
    sysmeta.update(('image_%s' % k, v) for k, v in props.items())
    inst = objects.Instance(
        id=cfg['instance_id'], uuid=cfg['uuid'], project_id='e2e',
        user_id='e2e', hostname='e2e',
        display_name=cfg.get('display_name', cfg['flavor_name']),
        flavor=flavor, memory_mb=flavor.memory_mb, vcpus=flavor.vcpus,
        root_gb=0, ephemeral_gb=0, image_ref='', host=cfg['host'],
        node=cfg['host'], system_metadata=sysmeta, metadata={},
        config_drive='',
        kernel_id='', ramdisk_id='', os_type=None, vm_mode=None,
        pci_devices=objects.PciDeviceList(), numa_topology=None,
        ephemeral_key_uuid=None, trusted_certs=None, resources=None,
        device_metadata=None, vcpu_model=None, root_device_name=None,
        default_ephemeral_device=None, default_swap_device=None,
        launched_at=None, availability_zone=None, key_data=None,
        reservation_id='e2e', user_data=None, tags=objects.TagList(),
        services=objects.ServiceList(), migration_context=None,
        security_groups=objects.SecurityGroupList(),
        keypairs=objects.KeyPairList(),
        pci_requests=objects.InstancePCIRequests(requests=[]),
        task_state=None, vm_state='active', power_state=1, locked=False,
        architecture=None, hidden=False)
    return inst, image_meta


def spawn(cfg):
    _setup(cfg)
    drv = _driver()
    drv.init_host(cfg['host'])
    return spawn_with(drv, cfg)


def spawn_with(drv, cfg):
    """nova writes the XML, prepares the share and defines the domain."""
    from nova import context as nova_context
    from nova.network import model as network_model
    from nova.virt import hardware
    from nova.virt.libvirt import blockinfo

    ctx = nova_context.get_admin_context()
    inst, image_meta = _instance(cfg)
    wanted = hardware.numa_get_constraints(inst.flavor, image_meta)
    if wanted is not None:
        fitted = hardware.numa_fit_instance_to_host(
            drv._get_host_numa_topology(), wanted, {})
        if fitted is None:
            raise RuntimeError(
                'nova cannot fit the instance NUMA topology %s (page size '
                '%s) on this host: are the hugepages reserved and visible '
                'to libvirt?' % (wanted, cfg['extra_specs'].get(
                    'hw:mem_page_size')))
        inst.numa_topology = fitted
    disk_info = blockinfo.get_disk_info(cfg['virt_type'], inst, image_meta)
    nova_xml = drv._get_guest_xml(
        ctx, inst, network_model.NetworkInfo([]), disk_info, image_meta)
    xml, changes = domxml.adapt(
        nova_xml, cfg['kernel'], cfg['initrd'], cfg['cmdline'],
        cfg['console_log'])
    drv._create_guest(ctx, xml, inst, power_on=False)
    return {
        'name': inst.name,
        'uuid': inst.uuid,
        'nova_xml': nova_xml,
        'xml': xml,
        'changes': changes,
        'native_readonly': bool(getattr(
            drv, '_virtiofs_native_readonly', False)),
        'traits': {k: v for k, v in drv._get_share_local_fs_traits().items()},
        'nova_file': sys.modules['nova'].__file__,
    }


def cleanup(cfg):
    _setup(cfg)
    inst, _image_meta = _instance(cfg)
    # The spec's layout, not nova's helper: the check must not follow nova
    # when it moves the views.
    views_dir = os.path.join(cfg['state_path'], 'share_local_fs', inst.name)
    # Read before init_host(): it already removes the views of domains that
    # are gone, which would leave _remove_local_fs_shares() nothing to do.
    before = _mounts_under(views_dir)
    drv = _driver()
    # As a compute service does: init_host() has run before any instance
    # leaves.
    drv.init_host(cfg['host'])
    drv._remove_local_fs_shares(inst)
    return {'views_dir': views_dir, 'mounted_before': before,
            'mounted_after': _mounts_under(views_dir),
            'views_dir_exists': os.path.isdir(views_dir)}


def _mounts_under(path):
    found = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mnt = line.split()[4]
            if mnt == path or mnt.startswith(path.rstrip('/') + '/'):
                found.append(mnt)
    return found


def refuse(cfg):
    from nova.api.openstack.compute import migrate_server
    from nova.api.openstack.compute import suspend_server
    from nova.compute import api as compute_api
    from nova import context as nova_context
    from nova import exception

    _setup(cfg)
    inst, _image_meta = _instance(cfg)
    ctx = nova_context.get_admin_context()
    api = compute_api.API()
    out = {}
    calls = {
        'live_migrate': (lambda: api.live_migrate(
            ctx, inst, block_migration=False, disk_over_commit=None,
            host_name=None), migrate_server),
        'suspend': (lambda: api.suspend(ctx, inst), suspend_server),
    }
    for name, (call, controller) in calls.items():
        try:
            call()
            out[name] = {'refused': False, 'error': 'accepted'}
        except exception.ForbiddenWithShare as e:
            # The API controllers turn ForbiddenWithShare into HTTP 409.
            out[name] = {'refused': True, 'exception': type(e).__name__,
                         'message': str(e),
                         'http_409_in_controller': 'ForbiddenWithShare' in
                         open(controller.__file__).read()}
        except Exception as e:
            out[name] = {'refused': False, 'exception': type(e).__name__,
                         'error': str(e)[:300]}
    return out


def attempts(cfg):
    from virtiofs_scaphandre.e2e import nova_attempts
    return nova_attempts.attempts(cfg)


COMMANDS = {'spawn': spawn, 'cleanup': cleanup, 'refuse': refuse,
            'attempts': attempts}


def main(argv):
    command, config_path = argv[1], argv[2]
    with open(config_path) as f:
        cfg = json.load(f)
    cfg.setdefault('uuid', str(uuid_mod.uuid4()))
    try:
        result = {'ok': True, 'result': COMMANDS[command](cfg)}
    except Exception as e:
        import traceback
        traceback.print_exc()
        result = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
    sys.stdout.write('\n' + json.dumps(result) + '\n')
    sys.stdout.flush()
    sys.stderr.flush()
    # nova's libvirt event threads are not daemons; do not wait for them.
    os._exit(0 if result['ok'] else 1)


if __name__ == '__main__':
    threading.current_thread().name = 'e2e-nova'
    main(sys.argv)
