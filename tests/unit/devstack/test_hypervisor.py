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

"""devstack/lib/hypervisor against the devstack double and scratch files."""

import json
import os
import subprocess

from tests.unit.devstack import base


class TestFindVirtiofsd(base.DevstackPluginTestCase):

    def descriptor(self, where, name, content):
        d = self.path(where)
        text = content if isinstance(content, str) else json.dumps(content)
        return self.write(os.path.join(d, name), text)

    def test_first_fs_descriptor_by_name(self):
        self.descriptor('usr/share/qemu/vhost-user', '50-qemu-gpu.json',
                        {'type': 'gpu', 'binary': '/usr/lib/qemu/gpu'})
        self.descriptor('usr/share/qemu/vhost-user', '60-b.json',
                        {'type': 'fs', 'binary': '/usr/libexec/virtiofsd'})
        self.descriptor('etc/qemu/vhost-user', '55-a.json',
                        {'type': 'fs', 'binary': '/usr/lib/qemu/virtiofsd'})
        r = self.run_bash('virtiofs_scaphandre_find_virtiofsd')
        self.assertOK(r)
        self.assertEqual('/usr/lib/qemu/virtiofsd', r.stdout.strip())

    def test_etc_hides_the_same_name_and_empty_masks(self):
        self.descriptor('usr/share/qemu/vhost-user', '50-qemu-virtiofsd.json',
                        {'type': 'fs', 'binary': '/usr/share-one'})
        self.descriptor('etc/qemu/vhost-user', '50-qemu-virtiofsd.json',
                        {'type': 'fs', 'binary': '/etc-one'})
        r = self.run_bash('virtiofs_scaphandre_find_virtiofsd')
        self.assertEqual('/etc-one', r.stdout.strip())
        self.descriptor('etc/qemu/vhost-user', '50-qemu-virtiofsd.json', '')
        r = self.run_bash('virtiofs_scaphandre_find_virtiofsd')
        self.assertEqual(1, r.rc, repr(r))
        self.assertEqual('', r.stdout.strip())

    def test_broken_json_is_skipped(self):
        self.descriptor('usr/share/qemu/vhost-user', '10-broken.json', '{')
        self.descriptor('usr/share/qemu/vhost-user', '20-ok.json',
                        {'type': 'fs', 'binary': '/ok'})
        r = self.run_bash('virtiofs_scaphandre_find_virtiofsd')
        self.assertEqual('/ok', r.stdout.strip())


class TestVersions(base.DevstackPluginTestCase):

    def fake_binaries(self, qemu='7.2.22', libvirt='9.0.0', virtiofsd=True):
        qemu_bin = self.write(
            self.path('bin/qemu-system-x86_64'),
            '#!/bin/sh\necho "QEMU emulator version %s (Debian)"\n' % qemu,
            mode=0o755)
        libvirt_bin = self.write(
            self.path('bin/libvirtd'),
            '#!/bin/sh\necho "libvirtd (libvirt) %s"\n' % libvirt,
            mode=0o755)
        env = {'VIRTIOFS_SCAPHANDRE_QEMU_BINARIES': qemu_bin,
               'VIRTIOFS_SCAPHANDRE_LIBVIRT_BINARIES': libvirt_bin}
        if virtiofsd:
            binary = self.write(self.path('bin/virtiofsd'), '#!/bin/sh\n',
                                mode=0o755)
            self.write(self.path('usr/share/qemu/vhost-user/50-v.json'),
                       json.dumps({'type': 'fs', 'binary': binary}))
        return env

    def test_good_versions_pass(self):
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=self.fake_binaries())
        self.assertOK(r)
        self.assertIn('QEMU 7.2.22', r.stdout)
        self.assertIn('libvirt 9.0.0', r.stdout)

    def test_old_qemu_and_libvirt_named_with_needed_versions(self):
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=self.fake_binaries(qemu='4.2.1',
                                                 libvirt='6.0.0'))
        self.assertDies(r, 'QEMU 4.2.1', 'need >= 5.0.0',
                        'libvirt 6.0.0', 'need >= 6.2.0')

    def test_exact_floor_passes(self):
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=self.fake_binaries(qemu='5.0.0',
                                                 libvirt='6.2.0'))
        self.assertOK(r)

    def test_missing_virtiofsd(self):
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=self.fake_binaries(virtiofsd=False))
        self.assertDies(r, 'virtiofsd', 'no vhost-user descriptor')

    def test_descriptor_naming_a_missing_binary(self):
        env = self.fake_binaries(virtiofsd=False)
        self.write(self.path('usr/share/qemu/vhost-user/50-v.json'),
                   json.dumps({'type': 'fs', 'binary': '/nonexistent/vfsd'}))
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=env)
        self.assertDies(r, '/nonexistent/vfsd', 'not an executable')

    def test_no_qemu_at_all(self):
        env = self.fake_binaries()
        env['VIRTIOFS_SCAPHANDRE_QEMU_BINARIES'] = '/nonexistent/qemu'
        r = self.run_bash('virtiofs_scaphandre_check_hypervisor_versions',
                          env=env)
        self.assertDies(r, 'QEMU not found')

    def test_version_compare(self):
        r = self.run_bash(
            'for p in "10.0.2 5.0" "5.0 5.0.0" "4.99 5.0" "11.3.0 6.2" '
            '"6.1.9 6.2"; do set -- $p; '
            'if _virtiofs_scaphandre_version_ge $1 $2; then echo y; '
            'else echo n; fi; '
            'done')
        self.assertEqual(['y', 'y', 'n', 'y', 'n'], r.stdout.split())


class TestInstall(base.DevstackPluginTestCase):

    def test_trixie_installs_the_virtiofsd_package(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor')
        self.assertOK(r)
        pkgs = [p for call in r.called('install_package') for p in call]
        for p in ('qemu-system-x86', 'libvirt-daemon-system', 'virtiofsd'):
            self.assertIn(p, pkgs)

    def test_binary_without_descriptor_gets_one(self):
        binary = self.write(self.path('usr/libexec/virtiofsd'), '#!/bin/sh\n',
                            mode=0o755)
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor && '
                          'virtiofs_scaphandre_find_virtiofsd',
                          env={'VIRTIOFS_SCAPHANDRE_VIRTIOFSD_CANDIDATES':
                               '/nonexistent/virtiofsd ' + binary})
        self.assertOK(r)
        self.assertEqual(binary, r.stdout.strip().splitlines()[-1])
        desc = self.path('etc/qemu/vhost-user/40-virtiofs-scaphandre.json')
        with open(desc) as f:
            self.assertEqual({'type': 'fs', 'binary': binary},
                             {k: v for k, v in json.load(f).items()
                              if k != 'description'})

    def test_packaged_descriptor_is_kept(self):
        self.write(self.path('usr/share/qemu/vhost-user/50-virtiofsd.json'),
                   json.dumps({'type': 'fs', 'binary': '/usr/libexec/x'}))
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor')
        self.assertOK(r)
        self.assertFalse(os.path.exists(self.path('etc/qemu/vhost-user')))

    def test_noble_installs_the_virtiofsd_package(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor', env={
            'DISTRO': 'noble', 'os_VENDOR': 'Ubuntu'})
        self.assertOK(r)
        self.assertIn(['virtiofsd'], r.called('install_package'))

    def test_rhel_uses_rpm_names(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor', env={
            'DISTRO': 'rhel9', 'os_PACKAGE': 'rpm',
            'os_VENDOR': 'CentOSStream'})
        self.assertOK(r)
        self.assertEqual([['qemu-kvm', 'libvirt', 'virtiofsd']],
                         r.called('install_package'))

    def test_unknown_platform_dies(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor', env={
            'DISTRO': 'weird', 'os_PACKAGE': '', 'os_VENDOR': 'Weird'})
        self.assertDies(r, 'Weird', 'DISTRO=weird')

    def test_bookworm_with_packaged_virtiofsd_keeps_it(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor', env={
            'DISTRO': 'bookworm',
            'FAKE_DPKG_OWNS': '/usr/lib/qemu/virtiofsd'})
        self.assertOK(r)
        self.assertNotIn(['virtiofsd'], r.called('install_package'))
        self.assertEqual([], r.called('apt-get'))
        self.assertIn('comes with the installed qemu-system-common', r.stdout)

    def test_bookworm_version_skips_backports(self):
        madison = '\n'.join([
            ' qemu-system-common | 1:10.0.2+ds-1~bpo12+1 | '
            'http://deb.debian.org/debian bookworm-backports/main amd64 '
            'Packages',
            ' qemu-system-common | 1:7.2+dfsg-7+deb12u18+b3 | '
            'http://deb.debian.org/debian bookworm/main amd64 Packages',
            ' qemu-system-common | 1:7.2+dfsg-7+deb12u15 | '
            'http://security.debian.org bookworm-security/main amd64 '
            'Packages'])
        r = self.run_bash('virtiofs_scaphandre_bookworm_virtiofsd_version',
                          env={'FAKE_APT_MADISON': madison})
        self.assertEqual('1:7.2+dfsg-7+deb12u18+b3', r.stdout.strip())

    def test_bookworm_backports_only_dies(self):
        madison = (' qemu-system-common | 1:10.0.2+ds-1~bpo12+1 | '
                   'http://deb.debian.org/debian bookworm-backports/main '
                   'amd64 Packages')
        r = self.run_bash(
            'virtiofs_scaphandre_install_bookworm_virtiofsd "$PWD/root"',
            env={'DISTRO': 'bookworm', 'FAKE_APT_MADISON': madison})
        self.assertDies(r, 'no non-backports version')
        self.assertFalse(os.path.exists(self.path('root/usr')))

    def test_bookworm_download_failure_dies(self):
        madison = (' qemu-system-common | 1:7.2+dfsg-7+deb12u18 | '
                   'http://deb.debian.org/debian bookworm/main amd64 '
                   'Packages')
        r = self.run_bash(
            'virtiofs_scaphandre_install_bookworm_virtiofsd "$PWD/root"',
            env={'FAKE_APT_MADISON': madison})
        self.assertDies(r, 'apt-get download',
                        'qemu-system-common=1:7.2+dfsg-7+deb12u18')


class TestBookwormVirtiofsd(base.DevstackPluginTestCase):
    """The C virtiofsd of bookworm's QEMU for the backports stack."""

    MADISON = (' qemu-system-common | 1:7.2+dfsg-7+deb12u18 | '
               'http://deb.debian.org/debian bookworm/main amd64 Packages')

    def setUp(self):
        super(TestBookwormVirtiofsd, self).setUp()
        pkg = self.path('deb')
        self.write(os.path.join(pkg, 'DEBIAN', 'control'),
                   'Package: qemu-system-common\nVersion: 1:7.2+dfsg-7\n'
                   'Architecture: all\nMaintainer: t <t@t>\n'
                   'Description: test\n')
        self.write(os.path.join(pkg, 'usr', 'lib', 'qemu', 'virtiofsd'),
                   '#!/bin/sh\necho \'{"type": "fs"}\'\n', mode=0o755)
        self.deb = self.path('qemu-system-common_7.2_all.deb')
        out = subprocess.run(['dpkg-deb', '--root-owner-group', '--build',
                              pkg, self.deb], capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stderr)
        self.libvirtd_profile = self.write(
            self.path('etc/apparmor.d/usr.sbin.libvirtd'),
            'profile libvirtd {\n  #include <local/usr.sbin.libvirtd>\n}\n')
        self.write(self.env['VIRTIOFS_SCAPHANDRE_APPARMOR_ENABLED_FILE'],
                   'Y\n')
        self.env.update(DISTRO='bookworm', os_CODENAME='bookworm',
                        FAKE_APT_MADISON=self.MADISON, FAKE_APT_DEB=self.deb)
        self.binary = os.path.join(
            self.env['VIRTIOFS_SCAPHANDRE_VIRTIOFSD_DIR'], 'virtiofsd')

    def test_kept_out_of_usr_described_and_allowed(self):
        r = self.run_bash('virtiofs_scaphandre_install_hypervisor && '
                          'virtiofs_scaphandre_find_virtiofsd')
        self.assertOK(r)
        self.assertEqual(self.binary, r.stdout.strip().splitlines()[-1])
        self.assertEqual([['download', '-q',
                           'qemu-system-common=1:7.2+dfsg-7+deb12u18']],
                         r.called('apt-get'))
        self.assertTrue(os.access(self.binary, os.X_OK))
        self.assertFalse(os.path.exists(self.path('usr/lib/qemu/virtiofsd')))
        # libvirtd's profile lets it run that binary, reloaded.
        self.assertIn('%s PUx,' % self.binary, self.read(
            self.path('etc/apparmor.d/local/usr.sbin.libvirtd')))
        self.assertEqual([['-r', self.libvirtd_profile]],
                         r.called('apparmor_parser'))
        # clean takes all of it away again.
        r = self.run_bash('virtiofs_scaphandre_remove_bookworm_virtiofsd')
        self.assertOK(r)
        self.assertFalse(os.path.exists(self.binary))
        self.assertFalse(os.path.exists(self.path(
            'etc/qemu/vhost-user/40-virtiofs-scaphandre.json')))
        self.assertNotIn(self.binary, self.read(
            self.path('etc/apparmor.d/local/usr.sbin.libvirtd')))

    def test_packaged_descriptors_are_never_removed(self):
        packaged = self.write(
            self.path('usr/share/qemu/vhost-user/50-qemu-virtiofsd.json'),
            json.dumps({'type': 'fs', 'binary': '/usr/lib/qemu/virtiofsd'}))
        operator = self.write(
            self.path('etc/qemu/vhost-user/40-virtiofs-scaphandre.json'),
            json.dumps({'type': 'fs', 'binary': '/opt/own/virtiofsd'}))
        r = self.run_bash('virtiofs_scaphandre_remove_bookworm_virtiofsd')
        self.assertOK(r)
        self.assertTrue(os.path.exists(packaged))
        self.assertTrue(os.path.exists(operator))

    def test_clean_also_removes_what_earlier_versions_put_in_usr(self):
        legacy = self.path('usr/lib/qemu/virtiofsd')
        self.write(legacy, '#!/bin/sh\n', mode=0o755)
        desc = self.write(
            self.path('etc/qemu/vhost-user/50-qemu-virtiofsd.json'),
            json.dumps({'type': 'fs', 'binary': legacy}))
        env = {'VIRTIOFS_SCAPHANDRE_LEGACY_VIRTIOFSD': legacy}
        # Owned by a package: both stay.
        r = self.run_bash('virtiofs_scaphandre_remove_bookworm_virtiofsd',
                          env=dict(env, FAKE_DPKG_OWNS='%s %s' % (desc,
                                                                  legacy)))
        self.assertOK(r)
        self.assertTrue(os.path.exists(legacy))
        self.assertTrue(os.path.exists(desc))
        r = self.run_bash('virtiofs_scaphandre_remove_bookworm_virtiofsd',
                          env=env)
        self.assertOK(r)
        self.assertFalse(os.path.exists(legacy))
        self.assertFalse(os.path.exists(desc))
