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

"""QEMU, libvirt and virtiofsd installed and checked on this host."""

import json
import os
import re
import shutil
import subprocess
import time

import testtools

from tests.devstack import base

VIRTIOFSD_DIR = '/var/lib/virtiofs-scaphandre/virtiofsd'


class TestPackagesAndVersions(base.RealHostTestCase):

    def test_install_then_check(self):
        start = time.monotonic()
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor && '
                          'virtiofs_scaphandre_check_hypervisor_versions && '
                          'echo "virtiofsd='
                          '$(virtiofs_scaphandre_find_virtiofsd)"')
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
        r = self.run_bash(
            'virtiofs_scaphandre_check_hypervisor_versions', env={
                'VIRTIOFS_SCAPHANDRE_MIN_LIBVIRT_VERSION': '99.0.0',
                'VIRTIOFS_SCAPHANDRE_MIN_QEMU_VERSION': '98.1'})
        self.assertDies(r, 'need >= 99.0.0', 'need >= 98.1')
        found = subprocess.run(['libvirtd', '--version'], capture_output=True,
                               text=True).stdout.split()[-1]
        self.assertIn('libvirt %s' % found, r.called('die')[0][0])


class TestBookwormBackports(base.RealHostTestCase):
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
        # Extraction goes under a scratch root; the path inside it is the
        # real one.
        self.env['VIRTIOFS_SCAPHANDRE_VIRTIOFSD_DIR'] = VIRTIOFSD_DIR
        up = subprocess.run(['apt-get', 'update', '-q'], env=self.env,
                            capture_output=True, text=True)
        self.assertEqual(0, up.returncode,
                         'apt-get update with bookworm-backports failed: '
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
        r = self.run_bash('virtiofs_scaphandre_bookworm_virtiofsd_version')
        version = r.stdout.strip()
        self.assertTrue(version, repr(r))
        self.assertNotIn('bpo', version)
        start = time.monotonic()
        r = self.run_bash(
            'virtiofs_scaphandre_install_bookworm_virtiofsd %s' % root)
        self.assertOK(r)
        self.addDetail('extract_seconds', testtools.content.text_content(
            '%.1f' % (time.monotonic() - start)))
        self.assertIn(version, r.stdout)
        binary = root + VIRTIOFSD_DIR + '/virtiofsd'
        desc = os.path.join(root,
                            'etc/qemu/vhost-user/40-virtiofs-scaphandre.json')
        with open(desc) as f:
            d = json.load(f)
        self.assertEqual({'type': 'fs',
                          'binary': VIRTIOFSD_DIR + '/virtiofsd'},
                         {k: d[k] for k in ('type', 'binary')})
        # Nothing under /usr: that belongs to packages.
        self.assertFalse(os.path.exists(os.path.join(root, 'usr')))
        caps = subprocess.run([binary, '--print-capabilities'],
                              capture_output=True, text=True)
        self.assertEqual(0, caps.returncode, caps.stderr)
        self.assertEqual('fs', json.loads(caps.stdout)['type'])
        # The descriptor is the one libvirt would pick from that root.
        r = self.run_bash('virtiofs_scaphandre_find_virtiofsd', env={
            'VIRTIOFS_SCAPHANDRE_VHOST_USER_DIRS':
                '%s/etc/qemu/vhost-user %s/usr/share/qemu/vhost-user' % (
                    root, root)})
        self.assertEqual(VIRTIOFSD_DIR + '/virtiofsd', r.stdout.strip())
        # apt never updates it: the next stack.sh puts it back.
        with open(binary, 'w') as f:
            f.write('broken')
        r = self.run_bash(
            'virtiofs_scaphandre_install_bookworm_virtiofsd %s' % root)
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
        etc_descriptor = '/etc/qemu/vhost-user/40-virtiofs-scaphandre.json'
        descriptor_before = self._stat_or_none(etc_descriptor)
        r = self.run_bash('virtiofs_scaphandre_install_bookworm_virtiofsd /',
                          env={'VIRTIOFS_SCAPHANDRE_VIRTIOFSD_DIR':
                               self.path('never-written')})
        self.assertOK(r)
        self.assertIn('comes with the installed qemu-system-common', r.stdout)
        # Nothing is written to /etc: whatever was there (an operator's own
        # descriptor, or nothing) is as it was.
        self.assertEqual(descriptor_before,
                         self._stat_or_none(etc_descriptor))
        self.assertEqual(before,
                         os.stat('/usr/lib/qemu/virtiofsd').st_mtime_ns)
