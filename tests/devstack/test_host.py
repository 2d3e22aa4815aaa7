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

"""The devstack plugin's functions run for real on this host (root).

Packages (installed only when missing, never upgraded), version checks,
the Debian 12 + bookworm-backports virtiofsd extraction (in a scratch apt
configuration and a scratch root, so the host's QEMU/libvirt stay as they
are), hugepages in the real kernel, hugetlbfs mounts, and nova patching and
configuration on a scratch copy of nova.
"""

import json
import os
import re
import shutil
import subprocess
import time

import testtools

from tests.unit.devstack import base

HERE = os.path.dirname(os.path.abspath(__file__))
REAL_FUNCTIONS = os.path.join(HERE, 'real-devstack-functions.sh')
NOVA_SRC = os.environ.get('VIRTIOFS_TEST_NOVA_SRC', '/work/nova-src')
NOVA_PYTHON = os.environ.get('VIRTIOFS_TEST_NOVA_PYTHON',
                             '/work/venvs/nova-deps/bin/python')
PATCH_TOOL = os.path.join(base.TOP_DIR, 'tools', 'nova-patches')
HUGEPAGES_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'


def os_release():
    values = {}
    with open('/etc/os-release') as f:
        for line in f:
            if '=' in line:
                k, v = line.rstrip('\n').split('=', 1)
                values[k] = v.strip('"')
    return values


class RealHostTestCase(base.DevstackPluginTestCase):

    functions = REAL_FUNCTIONS

    def setUp(self):
        super(RealHostTestCase, self).setUp()
        if os.geteuid() != 0:
            self.skipTest('needs root (tox -e devstack runs as root)')
        rel = os_release()
        codename = rel.get('VERSION_CODENAME', '')
        self.env.update({
            'os_VENDOR': rel.get('NAME', '').split()[0],
            'os_RELEASE': rel.get('VERSION_ID', ''),
            'os_CODENAME': codename,
            'DISTRO': codename,
            'os_PACKAGE': 'deb' if shutil.which('dpkg') else 'rpm',
        })
        # The real kernel and the real descriptor directories.
        for key in ('VIRTIOFS_SYSFS_HUGEPAGES', 'VIRTIOFS_PROC_MEMINFO',
                    'VIRTIOFS_PROC_MOUNTS', 'VIRTIOFS_VHOST_USER_DIRS'):
            del self.env[key]


class TestPackagesAndVersions(RealHostTestCase):

    def test_install_then_check(self):
        start = time.monotonic()
        r = self.run_bash('install_virtiofs_hypervisor && '
                          'check_virtiofs_hypervisor_versions && '
                          'echo "virtiofsd=$(find_virtiofsd)"')
        self.assertOK(r)
        self.addDetail('seconds', testtools.content.text_content(
            '%.1f' % (time.monotonic() - start)))
        installed = [p for call in r.called('install_package') for p in call]
        self.assertIn('libvirt-daemon-system', installed)
        for pkg in installed:
            out = subprocess.run(['dpkg-query', '-W', '-f=${Status}', pkg],
                                 capture_output=True, text=True)
            self.assertEqual('install ok installed', out.stdout, pkg)
        qemu = re.search(r'QEMU (\d+\.\d+\.\d+) ', r.stdout)
        libvirt = re.search(r'libvirt (\d+\.\d+\.\d+) ', r.stdout)
        self.assertIsNotNone(qemu, r.stdout)
        self.assertIsNotNone(libvirt, r.stdout)
        self.assertGreaterEqual(int(qemu.group(1).split('.')[0]), 5)
        virtiofsd = re.search(r'virtiofsd=(\S+)', r.stdout).group(1)
        caps = subprocess.run([virtiofsd, '--print-capabilities'],
                              capture_output=True, text=True)
        self.assertEqual('fs', json.loads(caps.stdout)['type'])

    def test_too_old_names_found_and_needed(self):
        r = self.run_bash('check_virtiofs_hypervisor_versions', env={
            'VIRTIOFS_MIN_LIBVIRT_VERSION': '99.0.0',
            'VIRTIOFS_MIN_QEMU_VERSION': '98.1'})
        self.assertDies(r, 'need >= 99.0.0', 'need >= 98.1')
        found = subprocess.run(['libvirtd', '--version'], capture_output=True,
                               text=True).stdout.split()[-1]
        self.assertIn('libvirt %s' % found, r.called('die')[0][0])


class TestBookwormBackports(RealHostTestCase):
    """devstack's Debian 12 setup, in a scratch apt configuration."""

    def setUp(self):
        super(TestBookwormBackports, self).setUp()
        if self.env['DISTRO'] != 'bookworm':
            self.skipTest('Debian 12 only')
        s = self.path('apt')
        for d in ('lists/partial', 'cache/archives/partial',
                  'sources.list.d', 'preferences.d'):
            os.makedirs(os.path.join(s, d))
        for name in os.listdir('/etc/apt/sources.list.d'):
            if name.endswith(('.list', '.sources')):
                shutil.copy(os.path.join('/etc/apt/sources.list.d', name),
                            os.path.join(s, 'sources.list.d'))
        if os.path.exists('/etc/apt/sources.list'):
            shutil.copy('/etc/apt/sources.list', s)
        else:
            self.write(os.path.join(s, 'sources.list'), '')
        self.write(os.path.join(s, 'sources.list.d', 'bpo.list'),
                   'deb http://deb.debian.org/debian bookworm-backports '
                   'main\n')
        # What devstack's enable_debian_12_backports pins.
        self.write(os.path.join(s, 'preferences.d', '99-nova-backports'),
                   'Package: qemu* libvirt* ovmf* seabios* opensbi\n'
                   'Pin: release n=bookworm-backports\nPin-Priority: 990\n')
        for name in os.listdir('/var/lib/apt/lists'):
            if '_dists_' in name:
                shutil.copy(os.path.join('/var/lib/apt/lists', name),
                            os.path.join(s, 'lists'))
        conf = self.write(os.path.join(s, 'apt.conf'), ''.join(
            '%s "%s";\n' % (k, os.path.join(s, v)) for k, v in (
                ('Dir::State::lists', 'lists'), ('Dir::Cache', 'cache'),
                ('Dir::Etc::sourcelist', 'sources.list'),
                ('Dir::Etc::sourceparts', 'sources.list.d'),
                ('Dir::Etc::preferencesparts', 'preferences.d'))))
        self.env['APT_CONFIG'] = conf
        # Extraction goes under a scratch root; keep libvirt's path in it.
        self.env['VIRTIOFS_EXTRACTED_VIRTIOFSD'] = '/usr/lib/qemu/virtiofsd'
        up = subprocess.run(['apt-get', 'update', '-q'], env=self.env,
                            capture_output=True, text=True)
        if up.returncode != 0:
            self.skipTest('apt-get update with bookworm-backports failed: '
                          + up.stderr[-500:])

    def apt(self, *args):
        return subprocess.run(list(args), env=self.env, capture_output=True,
                              text=True, cwd=self.tmp)

    def test_backports_qemu_ships_no_virtiofsd(self):
        policy = self.apt('apt-cache', 'policy', 'qemu-system-common').stdout
        candidate = re.search(r'Candidate: (\S+)', policy).group(1)
        self.assertIn('bpo', candidate)
        dl = self.apt('apt-get', 'download', '-q',
                      'qemu-system-common=%s' % candidate)
        self.assertEqual(0, dl.returncode, dl.stderr)
        deb = [f for f in os.listdir(self.tmp) if f.endswith('.deb')][0]
        listing = self.apt('dpkg-deb', '-c', os.path.join(self.tmp, deb))
        self.assertNotIn('virtiofsd', listing.stdout)
        self.assertNotIn('vhost-user/50-qemu-virtiofsd.json', listing.stdout)

    def test_extract_and_redo(self):
        root = self.path('root')
        r = self.run_bash('bookworm_virtiofsd_version')
        version = r.stdout.strip()
        self.assertTrue(version, repr(r))
        self.assertNotIn('bpo', version)
        start = time.monotonic()
        r = self.run_bash('install_bookworm_virtiofsd %s' % root)
        self.assertOK(r)
        self.addDetail('extract_seconds', testtools.content.text_content(
            '%.1f' % (time.monotonic() - start)))
        self.assertIn(version, r.stdout)
        binary = os.path.join(root, 'usr/lib/qemu/virtiofsd')
        desc = os.path.join(root, 'etc/qemu/vhost-user/50-qemu-virtiofsd.json')
        with open(desc) as f:
            d = json.load(f)
        self.assertEqual({'type': 'fs', 'binary': '/usr/lib/qemu/virtiofsd'},
                         {k: d[k] for k in ('type', 'binary')})
        caps = subprocess.run([binary, '--print-capabilities'],
                              capture_output=True, text=True)
        self.assertEqual(0, caps.returncode, caps.stderr)
        self.assertEqual('fs', json.loads(caps.stdout)['type'])
        # The descriptor is the one libvirt would pick from that root.
        r = self.run_bash('find_virtiofsd', env={
            'VIRTIOFS_VHOST_USER_DIRS': '%s/etc/qemu/vhost-user %s/usr/share'
                                        '/qemu/vhost-user' % (root, root)})
        self.assertEqual('/usr/lib/qemu/virtiofsd', r.stdout.strip())
        # apt never updates it: the next stack.sh puts it back.
        with open(binary, 'w') as f:
            f.write('broken')
        r = self.run_bash('install_bookworm_virtiofsd %s' % root)
        self.assertOK(r)
        caps = subprocess.run([binary, '--print-capabilities'],
                              capture_output=True, text=True)
        self.assertEqual(0, caps.returncode)

    @staticmethod
    def _stat_or_none(path):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def test_packaged_virtiofsd_is_left_alone(self):
        owned = subprocess.run(['dpkg', '-S', '/usr/lib/qemu/virtiofsd'],
                               capture_output=True, text=True)
        if owned.returncode != 0:
            self.skipTest('this host has no packaged virtiofsd')
        before = os.stat('/usr/lib/qemu/virtiofsd').st_mtime_ns
        etc_descriptor = '/etc/qemu/vhost-user/50-qemu-virtiofsd.json'
        descriptor_before = self._stat_or_none(etc_descriptor)
        r = self.run_bash('install_bookworm_virtiofsd /', env={
            'VIRTIOFS_EXTRACTED_VIRTIOFSD': self.path('never-written')})
        self.assertOK(r)
        self.assertIn('comes with the installed qemu-system-common', r.stdout)
        # Nothing is written to /etc: whatever was there (an operator's own
        # descriptor, or nothing) is as it was.
        self.assertEqual(descriptor_before,
                         self._stat_or_none(etc_descriptor))
        self.assertEqual(before,
                         os.stat('/usr/lib/qemu/virtiofsd').st_mtime_ns)


class TestHugepages(RealHostTestCase):

    def setUp(self):
        super(TestHugepages, self).setUp()
        if not os.access(HUGEPAGES_2M, os.W_OK):
            self.skipTest('%s is not writable here' % HUGEPAGES_2M)
        self.before = self.nr()
        # Whatever happens, leave the pool as found.
        self.addCleanup(self.restore, self.before)

    def nr(self):
        with open(HUGEPAGES_2M) as f:
            return int(f.read())

    def restore(self, value):
        # Only undo our own reservation: others may share this kernel.
        if self.nr() == value + 16:
            with open(HUGEPAGES_2M, 'w') as f:
                f.write('%d\n' % value)

    def test_reserve_persist_release(self):
        want = self.before + 16
        script = 'reserve_hugepages 2048 %d && persist_hugepages 2048' % want
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertEqual(want, self.nr())
        total = re.search(r'^HugePages_Total:\s+(\d+)$',
                          self.read('/proc/meminfo'), re.M).group(1)
        self.assertEqual(want, int(total))
        sysctl = self.env['VIRTIOFS_SCAPHANDRE_SYSCTL_FILE']
        self.assertIn('vm.nr_hugepages = %d\n' % want, self.read(sysctl))
        # The persisted file is one sysctl accepts (same value: no change).
        out = subprocess.run(['sysctl', '-p', sysctl], capture_output=True,
                             text=True)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(want, self.nr())
        # Second stack.sh: nothing changes, the original is kept.
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertIn('already reserved', r.stdout)
        r = self.run_bash('release_hugepages 2048 && unpersist_hugepages')
        self.assertOK(r)
        self.assertEqual(self.before, self.nr())
        self.assertFalse(os.path.exists(sysctl))

    def test_memory_not_there(self):
        r = self.run_bash('reserve_hugepages 2048 10000000')
        self.assertDies(r, '10000000 x 2048 kB', 'memory is available')
        self.assertEqual(self.before, self.nr())


class TestHugetlbfs(RealHostTestCase):

    def mounted(self, where):
        with open('/proc/mounts') as f:
            return [line.split() for line in f
                    if line.split()[1] == where]

    def test_mount_1g_hugetlbfs(self):
        if not os.path.isdir('/sys/kernel/mm/hugepages/hugepages-1048576kB'):
            self.skipTest('no 1 GiB pages in this kernel')
        target = self.path('hp') + '-1048576kB'
        r = self.run_bash('mount_hugetlbfs 1048576', env={
            'VIRTIOFS_HUGETLBFS_DIR': self.path('hp')})
        self.assertOK(r)
        if 'already mounted' in r.stdout:
            return
        self.addCleanup(subprocess.run, ['umount', target])
        mounts = self.mounted(target)
        self.assertEqual(1, len(mounts), r.stdout)
        self.assertEqual('hugetlbfs', mounts[0][2])
        self.assertIn('pagesize=1024M', mounts[0][3])
        # Mounted now: the second run leaves it.
        r = self.run_bash('mount_hugetlbfs 1048576', env={
            'VIRTIOFS_HUGETLBFS_DIR': self.path('hp')})
        self.assertIn('already mounted on %s' % target, r.stdout)
        self.assertEqual(1, len(self.mounted(target)))


class TestNovaOnAScratchTree(RealHostTestCase):
    """nova_patches applied by the plugin to a copy of nova 34.0.0."""

    def setUp(self):
        super(TestNovaOnAScratchTree, self).setUp()
        self.assertTrue(os.access(PATCH_TOOL, os.X_OK), PATCH_TOOL)
        if not os.path.isdir(os.path.join(NOVA_SRC, '.git')):
            self.skipTest('no nova git tree at %s' % NOVA_SRC)
        subprocess.run(['git', 'clone', '-q', '--local', NOVA_SRC,
                        self.nova_dir], check=True)
        subprocess.run(['git', '-C', self.nova_dir, 'checkout', '-q',
                        '34.0.0'], check=True)
        self.env['VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'] = PATCH_TOOL
        self.env['ENABLED_SERVICES'] = 'n-api,n-sch,n-cpu'
        # The hugepage and package steps are tested above; here only nova.
        self.env['VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT'] = '0'

    def status(self):
        return subprocess.run(['git', '-C', self.nova_dir, 'status',
                               '--porcelain'], capture_output=True,
                              text=True).stdout

    def test_patch_twice_then_configure(self):
        script = ('apply_nova_patches && '
                  'stack_post_config_virtiofs_scaphandre')
        r = self.run_bash(script)
        self.assertOK(r)
        first = (self.status(), subprocess.run(
            ['git', '-C', self.nova_dir, 'rev-parse', 'HEAD'],
            capture_output=True, text=True).stdout)
        conf_first = self.read(self.nova_conf)
        r = self.run_bash(script)
        self.assertOK(r)
        second = (self.status(), subprocess.run(
            ['git', '-C', self.nova_dir, 'rev-parse', 'HEAD'],
            capture_output=True, text=True).stdout)
        self.assertEqual(first, second)
        self.assertEqual(conf_first, self.read(self.nova_conf))
        self.assertIn('already applied', r.stdout)

    def test_patched_nova_reads_the_config(self):
        r = self.run_bash('apply_nova_patches && '
                          'stack_post_config_virtiofs_scaphandre')
        self.assertOK(r)
        # nova itself parses what the plugin wrote.
        if not os.path.exists(NOVA_PYTHON):
            self.skipTest('no python with nova deps at %s' % NOVA_PYTHON)
        code = ('import json, sys\n'
                'import nova.conf\n'
                'CONF = nova.conf.CONF\n'
                'CONF(["--config-file", sys.argv[1]], project="nova")\n'
                'print(",".join(CONF.filter_scheduler.enabled_filters))\n'
                'try:\n'
                '    v = CONF.compute.share_local_fs\n'
                'except Exception as e:\n'
                '    print("NOOPT %s" % e)\n'
                '    sys.exit(0)\n'
                'print(json.dumps(v if isinstance(v, dict) '
                'else json.loads(v)))\n')
        out = subprocess.run([NOVA_PYTHON, '-c', code, self.nova_conf],
                             env={'PYTHONPATH': self.nova_dir,
                                  'PATH': os.environ['PATH']},
                             capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stderr)
        filters, mapping = out.stdout.strip().split('\n')
        self.assertIn('NUMATopologyFilter', filters.split(','))
        if mapping.startswith('NOOPT'):
            self.skipTest('the series has no [compute] share_local_fs yet: '
                          + mapping)
        self.assertEqual({self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']:
                          'scaphandre'}, json.loads(mapping))

    def test_other_nova_is_refused_with_commit_named(self):
        # A nova whose files the series touches changed upstream.
        target = os.path.join(self.nova_dir, 'nova', 'conf', 'compute.py')
        with open(target, 'a') as f:
            f.write('\n# diverged\n')
        subprocess.run(['git', '-C', self.nova_dir, '-c', 'user.name=t',
                        '-c', 'user.email=t@t', 'commit', '-q', '-am',
                        'diverge'], check=True)
        commit = subprocess.run(
            ['git', '-C', self.nova_dir, 'rev-parse', '--short=12', 'HEAD'],
            capture_output=True, text=True).stdout.strip()
        r = self.run_bash('stack_pre_install_virtiofs_scaphandre',
                          env={'ENABLED_SERVICES': 'n-api'})
        self.assertDies(r, commit)
        self.assertEqual('', self.status().replace('?? .stestr/\n', ''))

    def test_failing_patch_is_named(self):
        patches = self.path('broken-series')
        shutil.copytree(os.path.join(base.TOP_DIR, 'nova_patches'), patches)
        with open(os.path.join(patches, 'series')) as f:
            names = [n.strip() for n in f
                     if n.strip() and not n.startswith('#')]
        victim = os.path.join(patches, names[-1])
        with open(victim) as f:
            text = f.read()
        # Break a context line of the first hunk so git apply refuses it.
        lines = text.split('\n')
        first_hunk = next(i for i, line in enumerate(lines)
                          if line.startswith('@@'))
        context = next(i for i in range(first_hunk + 1, len(lines))
                       if lines[i].startswith(' ') and lines[i].strip())
        lines[context] = ' # not what nova has' + lines[context][1:]
        with open(victim, 'w') as f:
            f.write('\n'.join(lines))
        commit = subprocess.run(
            ['git', '-C', self.nova_dir, 'rev-parse', '--short=12', 'HEAD'],
            capture_output=True, text=True).stdout.strip()
        r = self.run_bash('apply_nova_patches',
                          env={'NOVA_PATCHES_DIR': patches})
        self.assertDies(r, names[-1], commit)
        # Nothing half-done: the tree is untouched.
        self.assertEqual('', self.status().replace('?? .stestr/\n', ''))


class TestWithDevstackIniConfig(RealHostTestCase):
    """devstack's own iniset/iniget/inidelete instead of the double's.

    Needs a devstack checkout: VIRTIOFS_TEST_DEVSTACK_DIR=<dir> (the tests
    never download one).
    """

    def setUp(self):
        super(TestWithDevstackIniConfig, self).setUp()
        devstack = os.environ.get('VIRTIOFS_TEST_DEVSTACK_DIR', '')
        self.ini_config = os.path.join(devstack, 'inc', 'ini-config')
        if not devstack or not os.path.exists(self.ini_config):
            self.skipTest('set VIRTIOFS_TEST_DEVSTACK_DIR to a devstack '
                          'checkout')
        self.env['ENABLED_SERVICES'] = 'n-sch,n-cpu'
        # clean must not touch the host's virtiofsd or descriptors here.
        self.env['VIRTIOFS_VHOST_USER_DIRS'] = self.path('etc/qemu/vhost-user')

    def test_post_config_then_clean(self):
        self.write(self.env['NOVA_CPU_CONF'], '[DEFAULT]\n')
        script = ('source %s\n'
                  'stack_post_config_virtiofs_scaphandre && '
                  'stack_post_config_virtiofs_scaphandre' % self.ini_config)
        r = self.run_bash(script)
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertEqual(
            {self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR']: 'scaphandre'},
            json.loads(conf.get('compute', 'share_local_fs')))
        self.assertEqual(
            'ComputeFilter,ImagePropertiesFilter,NUMATopologyFilter',
            conf.get('filter_scheduler', 'enabled_filters'))
        r = self.run_bash('source %s\nclean_virtiofs_scaphandre'
                          % self.ini_config)
        self.assertOK(r)
        conf = self.ini(self.nova_conf)
        self.assertFalse(conf.has_option('compute', 'share_local_fs'))
        self.assertEqual('True', conf.get('DEFAULT', 'debug'))
