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

"""The base root filesystem every node is copied from, and node files.

Why each in-container file exists is said in the comment it carries.
"""

import glob
import os
import shutil

from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

STACK_USER = 'stack'
STACK_HOME = '/opt/stack'
PROVISIONED_MARK = 'etc/local-devstack-provisioned'

BASE_PACKAGES = ('systemd', 'systemd-sysv', 'dbus', 'sudo', 'git', 'python3',
                 'ca-certificates', 'iproute2', 'iputils-ping', 'procps',
                 'openssh-client', 'openssh-server', 'lsb-release', 'curl',
                 'psmisc', 'less', 'libpam-systemd', 'locales')
CA_DIR = '/usr/local/share/ca-certificates'
OVN_NETDEV_UNIT = """\
# local-devstack: the kernel OVS datapath cannot be created in a container,
# so br-int (made by ovn-controller) must use the userspace datapath too.
[Unit]
Description=Keep OVN's br-int on the netdev datapath
[Service]
ExecStart=/bin/sh -c 'while sleep 2; do \\
  ovs-vsctl --timeout=2 get open . external-ids:ovn-bridge-datapath-type \\
  >/dev/null 2>&1 || ovs-vsctl --timeout=2 --no-wait set open . \\
  external-ids:ovn-bridge-datapath-type=netdev >/dev/null 2>&1; done'
[Install]
WantedBy=multi-user.target
"""

ISCSID_DROPIN = """\
# local-devstack: iscsid cannot open NETLINK_ISCSI in a container; nova's
# configure step only needs the unit to start.
[Service]
ExecStart=
ExecStart=/bin/true
Type=oneshot
RemainAfterExit=yes
"""

# The service that keeps checksum offload off on OVN's metadata ports
# (the script says why).
OVN_METADATA_CHECKSUM_SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), 'files', 'ovnmeta-checksums')
OVN_METADATA_CHECKSUM_PATH = '/usr/local/sbin/local-devstack-ovnmeta-checksums'
OVN_METADATA_CHECKSUM_UNIT_NAME = 'local-devstack-ovnmeta-checksums.service'
OVN_METADATA_CHECKSUM_UNIT = """\
# local-devstack: computed checksums on the ports of OVN's metadata
# namespaces (container.py, CHECKSUM_WHY).
[Unit]
Description=Computed checksums on OVN metadata namespace ports
[Service]
ExecStart=%s
[Install]
WantedBy=multi-user.target
""" % OVN_METADATA_CHECKSUM_PATH

LIBVIRT_QEMU_CONF = """\
# local-devstack: the container's cgroup controllers are read-only.
cgroup_controllers = [ ]
"""


def host_nameserver(resolv_conf='/etc/resolv.conf'):
    try:
        with open(resolv_conf) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == 'nameserver':
                    return fields[1]
    except OSError:
        pass
    return '1.1.1.1'


def configure_libvirt(runner, root):
    """Keep libvirt from creating cgroups for QEMU.

    nspawn mounts the cgroup v1 controllers read-only, and starting a
    guest fails ("Failed to create v1 controller cpu for group:
    Read-only file system"). devstack installs libvirt with
    --force-confold, so a qemu.conf written before it is kept.
    """
    path = os.path.join(root, 'etc/libvirt/qemu.conf')
    text = ''
    if os.path.exists(path):
        text = runner.read_file(path)
    if any(line.strip().startswith('cgroup_controllers')
           for line in text.splitlines()):
        return
    runner.write_file(path, text + LIBVIRT_QEMU_CONF)


def base_path(settings):
    """One base per suite: a trixie cloud never starts from bookworm."""
    return os.path.join(settings.machines_dir, '.base-' + settings.suite)


def provisioned_suite(root):
    """The suite a root filesystem was made from, or None."""
    try:
        with open(os.path.join(root, PROVISIONED_MARK)) as f:
            words = f.read().split()
    except OSError:
        return None
    return words[1] if len(words) > 1 else None


def make_base_rootfs(settings, runner, log_path):
    """debootstrap the base root filesystem once; the nodes copy it."""
    base = base_path(settings)
    if provisioned_suite(base) == settings.suite:
        return base
    partial = base + '.partial'
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(settings.machines_dir, exist_ok=True)
    runner.log('debootstrap %s into %s (log: %s)' % (
        settings.suite, base, log_path))
    try:
        runner.run(['debootstrap', '--variant=minbase',
                    '--include=' + ','.join(BASE_PACKAGES), settings.suite,
                    partial, settings.apt_mirror],
                   stdout_path=log_path, timeout=1800)
        configure_base(runner, partial, settings.suite)
    except LocalDevstackError as e:
        shutil.rmtree(partial, ignore_errors=True)
        raise LocalDevstackError('%s; see %s' % (e, log_path))
    shutil.rmtree(base, ignore_errors=True)
    os.rename(partial, base)
    return base


def configure_base(runner, root, suite):
    def chroot(*argv):
        runner.run(['chroot', root] + list(argv))

    def write(inner, text, mode=0o644):
        runner.write_file(os.path.join(root, inner.lstrip('/')), text, mode)

    chroot('useradd', '--system', '--create-home', '--home-dir', STACK_HOME,
           '--shell', '/bin/bash', STACK_USER)
    chroot('chmod', '755', STACK_HOME)
    # devstack exports LC_ALL=en_US.utf8.
    write('/etc/locale.gen', 'en_US.UTF-8 UTF-8\n')
    chroot('locale-gen')
    write('/etc/sudoers.d/50_stack_sh', '%s ALL=(root) NOPASSWD:ALL\n' %
          STACK_USER, 0o440)
    # The registries are reached through a TLS-intercepting proxy here:
    # trust the host's extra CAs, and make pip use the system bundle.
    for crt in glob.glob(os.path.join(CA_DIR, '*.crt')):
        shutil.copy(crt, os.path.join(root, CA_DIR.lstrip('/')))
    chroot('update-ca-certificates')
    write('/etc/pip.conf',
          '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n')
    # Mirrors are bind-mounted and owned by a host user.
    chroot('git', 'config', '--system', '--add', 'safe.directory', '*')
    write('/etc/systemd/system/iscsid.service.d/local-devstack.conf',
          ISCSID_DROPIN)
    write('/etc/systemd/system/local-devstack-ovn-netdev.service',
          OVN_NETDEV_UNIT)
    runner.run(['systemctl', '--root', root, 'enable',
                'systemd-networkd', 'local-devstack-ovn-netdev.service'])
    write('/' + PROVISIONED_MARK, 'base %s\n' % suite)
