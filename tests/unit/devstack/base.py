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

"""Run the devstack plugin's bash against a recording devstack double."""

import configparser
import grp
import os
import pwd
import shutil
import subprocess

import fixtures
import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
DEVSTACK_DIR = os.path.join(TOP_DIR, 'devstack')
# In the order plugin.sh sources them.
LIBS = ('hugepages', 'apparmor', 'hypervisor', 'nova-feature', 'compute-host',
        'cloud-resources', 'exporters', 'tempest-config',
        'virtiofs-scaphandre')
FAKE_FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'fake-devstack-functions.sh')


def which(name):
    return shutil.which(name)


class Result(object):
    def __init__(self, proc, calls):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.calls = calls

    def called(self, name):
        """The argument lists of every recorded call of ``name``."""
        return [c[1:] for c in self.calls if c[0] == name]

    def __repr__(self):
        return 'rc=%s\nstdout:\n%s\nstderr:\n%s\ncalls:\n%s' % (
            self.rc, self.stdout, self.stderr,
            '\n'.join(' '.join(c) for c in self.calls))


class DevstackPluginTestCase(testtools.TestCase):
    """Each test gets a scratch host: sysfs, /proc files, /etc paths."""

    # The devstack double sourced before the plugin.
    functions = FAKE_FUNCTIONS

    def setUp(self):
        super(DevstackPluginTestCase, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.log = self.path('calls.log')
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        self.sysfs = self.path('sys/kernel/mm/hugepages')
        for size in (2048, 1048576):
            d = os.path.join(self.sysfs, 'hugepages-%dkB' % size)
            os.makedirs(d)
            self.write(os.path.join(d, 'nr_hugepages'), '0\n')
        self.meminfo = self.write(
            self.path('proc/meminfo'),
            'MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n'
            'Hugepagesize:       2048 kB\n')
        self.mounts = self.write(
            self.path('proc/mounts'),
            'proc /proc proc rw 0 0\n')
        self.mountinfo = self.write(
            self.path('proc/self/mountinfo'),
            '22 1 0:5 / /proc rw,nosuid shared:13 - proc proc rw\n')
        self.nova_conf = self.write(
            self.path('etc/nova/nova.conf'),
            '[DEFAULT]\ndebug = True\n\n[filter_scheduler]\n'
            'enabled_filters = ComputeFilter,ImagePropertiesFilter\n')
        self.tempest_conf = self.write(
            self.path('tempest/etc/tempest.conf'), '[compute]\n')
        self.nova_dir = self.path('opt/stack/nova')
        self.env = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.tmp,
            'FAKE_DEVSTACK_LOG': self.log,
            'FAKE_OPENSTACK_DIR': self.path('cloud'),
            'ENABLED_SERVICES': 'n-api,n-cpu,n-sch,n-cond,g-api,tempest',
            'os_PACKAGE': 'deb',
            'os_VENDOR': 'Debian',
            'os_RELEASE': '13',
            'os_CODENAME': 'trixie',
            'DISTRO': 'trixie',
            'STACK_USER': user,
            'LIBVIRT_GROUP': group,
            'DEST': self.path('opt/stack'),
            'NOVA_DIR': self.nova_dir,
            'NOVA_REPO': 'https://opendev.org/openstack/nova.git',
            'NOVA_BRANCH': 'master',
            'NOVA_CONF': self.nova_conf,
            'NOVA_CPU_CONF': self.path('etc/nova/nova-cpu.conf'),
            'NOVA_STATE_PATH': '/opt/stack/data/nova',
            'NOVA_FILTERS': 'ComputeFilter,ImagePropertiesFilter',
            'TEMPEST_CONFIG': self.tempest_conf,
            'TEMPEST_PLUGINS': '0',
            'DEFAULT_IMAGE_NAME': 'cirros-0.6.3-x86_64-disk',
            'VIRTIOFS_SCAPHANDRE_SYSFS_HUGEPAGES': self.sysfs,
            'VIRTIOFS_SCAPHANDRE_PROC_MEMINFO': self.meminfo,
            'VIRTIOFS_SCAPHANDRE_PROC_MOUNTS': self.mounts,
            'VIRTIOFS_SCAPHANDRE_PROC_MOUNTINFO': self.mountinfo,
            'VIRTIOFS_SCAPHANDRE_STATE_DIR': self.path(
                'var/lib/virtiofs-scaphandre'),
            'VIRTIOFS_SCAPHANDRE_HUGETLBFS_DIR': self.path('dev/hugepages'),
            'VIRTIOFS_SCAPHANDRE_VHOST_USER_DIRS': '%s %s' % (
                self.path('etc/qemu/vhost-user'),
                self.path('usr/share/qemu/vhost-user')),
            # Never the host's: clean removes an extracted virtiofsd.
            'VIRTIOFS_SCAPHANDRE_VIRTIOFSD_DIR': self.path(
                'var/lib/virtiofs-scaphandre/virtiofsd'),
            'VIRTIOFS_SCAPHANDRE_POWERCAP_DIR': self.path(
                'sys/class/powercap'),
            'VIRTIOFS_SCAPHANDRE_PROC_MODULES': self.write(
                self.path('proc/modules'), 'intel_rapl_msr 20480 0 - Live\n'),
            'VIRTIOFS_SCAPHANDRE_APPARMOR_ENABLED_FILE': self.path(
                'sys/module/apparmor/parameters/enabled'),
            'GLANCE_METADEF_DIR': self.path('etc/glance/metadefs'),
            'VIRTIOFS_SCAPHANDRE_HOST_DIR': self.path('var/lib/libvirt/scaph'),
            'VIRTIOFS_SCAPHANDRE_SYSCTL_FILE': self.path(
                'etc/sysctl.d/60-virtiofs-scaphandre-hugepages.conf'),
            'VIRTIOFS_SCAPHANDRE_TMPFILES_FILE': self.path(
                'etc/tmpfiles.d/virtiofs-scaphandre-hugepages.conf'),
            'VIRTIOFS_SCAPHANDRE_APPARMOR_DIR': self.path('etc/apparmor.d'),
        }
        self.patch_tool = self.fake_patch_tool()
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = self.patch_tool

    def path(self, rel):
        return os.path.join(self.tmp, rel)

    def write(self, path, text, mode=None):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def read(self, path):
        with open(path) as f:
            return f.read()

    def fake_patch_tool(self, check_rc=0, apply_rc=0, apply_out='applied'):
        """A stand-in for tools/nova-patches recording its arguments."""
        return self.write(
            self.path('bin/nova-patches'),
            '#!/bin/bash\n'
            'echo "$* skip_base=${NOVA_PATCHES_SKIP_BASE_CHECK:-unset}"'
            ' >> %s\n'
            'case $1 in\n'
            '  check) echo "check output"; exit %d ;;\n'
            '  apply) echo "%s"; exit %d ;;\n'
            'esac\nexit 2\n' % (self.path('patch-tool.log'), check_rc,
                                apply_out, apply_rc),
            mode=0o755)

    def run_bash(self, script, env=None, settings=True):
        """Source the double, settings and the plugin libs, then run."""
        full_env = dict(self.env)
        full_env.update(env or {})
        # stack.sh sources plugins with errexit on.
        lines = ['source %s' % self.functions, 'set -o errexit']
        if settings:
            lines.append('source %s/settings' % DEVSTACK_DIR)
        lines += ['source %s/lib/%s' % (DEVSTACK_DIR, lib) for lib in LIBS]
        lines.append(script)
        proc = subprocess.run(
            ['bash', '-c', '\n'.join(lines)], env=full_env, cwd=self.tmp,
            capture_output=True, text=True, timeout=120)
        calls = []
        if os.path.exists(self.log):
            with open(self.log) as f:
                calls = [line.rstrip('\n').split('\t') for line in f]
            os.unlink(self.log)
        return Result(proc, calls)

    def assertOK(self, result):
        self.assertEqual(0, result.rc, repr(result))

    def assertDies(self, result, *fragments):
        self.assertNotEqual(0, result.rc, repr(result))
        dies = result.called('die')
        self.assertEqual(1, len(dies), repr(result))
        for fragment in fragments:
            self.assertIn(fragment, dies[0][0])

    def ini(self, path):
        parser = configparser.RawConfigParser()
        parser.optionxform = str
        parser.read(path)
        return parser
