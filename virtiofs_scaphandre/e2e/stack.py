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

"""The hypervisor stack one run used, and what it can do for read-only.

The check decides on its own, without nova's code, whether this stack can
keep the share read-only natively (libvirt >= 11.0.0 passes ``<readonly/>``
to a virtiofsd that has ``--readonly``), so that nova's probe is checked
against an independent answer rather than trusted.
"""

from importlib import metadata
import os
import subprocess

NATIVE_LIBVIRT = (11, 0, 0)


def dotted(version):
    """libvirt's integer version (major * 1000000 + minor * 1000 + micro)."""
    return '%d.%d.%d' % (version // 1000000, version // 1000 % 1000,
                         version % 1000)


def distro(os_release='/etc/os-release'):
    try:
        with open(os_release) as f:
            for line in f:
                key, _sep, value = line.strip().partition('=')
                if key == 'PRETTY_NAME':
                    return value.strip('"')
    except OSError:
        pass
    return 'unknown distribution'


def first_line(argv, timeout=10):
    """First line a command prints (stdout and stderr), '' if it cannot run."""
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout,
                             check=False).stdout.decode('utf-8', 'replace')
    except (OSError, subprocess.TimeoutExpired):
        return ''
    return out.strip().splitlines()[0] if out.strip() else ''


def virtiofsd_has_readonly(virtiofsd, timeout=10):
    """Whether virtiofsd documents --readonly in its --help."""
    if not virtiofsd:
        return False
    try:
        out = subprocess.run([virtiofsd, '--help'], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout,
                             check=False).stdout.decode('utf-8', 'replace')
    except (OSError, subprocess.TimeoutExpired):
        return False
    return '--readonly' in out


def native_readonly(libvirt_version, virtiofsd_has_ro):
    """(bool, why) for libvirt's integer version and the virtiofsd answer."""
    major = libvirt_version // 1000000
    minor = libvirt_version // 1000 % 1000
    if (major, minor) < NATIVE_LIBVIRT[:2]:
        return False, 'libvirt %s is older than %s' % (
            dotted(libvirt_version), '.'.join(map(str, NATIVE_LIBVIRT)))
    if not virtiofsd_has_ro:
        return False, 'virtiofsd has no --readonly'
    return True, 'libvirt %s and a virtiofsd with --readonly' % (
        dotted(libvirt_version))


def summary(versions, native):
    """One line naming the stack, for the report and the JSON."""
    return '%s: libvirt %s, QEMU %s, virtiofsd %s; read-only %s' % (
        versions.get('distribution', '?'), versions.get('libvirt', '?'),
        versions.get('qemu', '?'), versions.get('virtiofsd version', '?'),
        'native (<readonly/> and virtiofsd --readonly)' if native else
        'by nova\'s read-only view (bind mount)')


def package_version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return 'not installed'


def guest_kernel(guest_dir):
    env = {}
    try:
        with open(os.path.join(guest_dir, 'guest.env')) as f:
            for line in f:
                key, _sep, value = line.strip().partition('=')
                env[key] = value.strip('"')
    except OSError:
        pass
    return '%s %s' % (env.get('KERNEL_PACKAGE', '?'),
                      env.get('KERNEL_VERSION', '?'))


def collect(conn, virtiofsd, guest_dir, expect_native=None):
    """Versions of this stack and whether it keeps the share read-only.

    expect_native (True/False) pins the answer for a stack that is known
    to have (or lack) native read-only: a stack that does not match is then
    reported, and nova's probe is checked against the pinned answer.
    """
    versions = {
        'distribution': distro(),
        'libvirt': dotted(conn.getLibVersion()),
        'qemu': dotted(conn.getVersion()),
        'libvirt-python': package_version('libvirt-python'),
        'guest kernel': guest_kernel(guest_dir),
        'host kernel': os.uname().release,
    }
    line = first_line([virtiofsd, '--version']) if virtiofsd else ''
    versions['virtiofsd'] = '%s (%s)' % (virtiofsd, line) if line else (
        virtiofsd or 'unknown')
    numbers = [w for w in line.split() if w[:1].isdigit()]
    versions['virtiofsd version'] = numbers[0] if numbers else (
        line or 'unknown')
    native, why = native_readonly(conn.getLibVersion(),
                                  virtiofsd_has_readonly(virtiofsd))
    if expect_native is not None and native != expect_native:
        why += '; this stack was expected to have %s' % (
            'native read-only' if expect_native else 'none')
        native = expect_native
    return {'versions': versions, 'native': native, 'why': why,
            'summary': summary(versions, native)}
