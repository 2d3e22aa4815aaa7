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

import os
import stat
import tempfile

import testtools

from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import mounts
from virtiofs_scaphandre.e2e import stack


class FakeConn(object):
    def __init__(self, libvirt, qemu):
        self.libvirt, self.qemu = libvirt, qemu

    def getLibVersion(self):
        return self.libvirt

    def getVersion(self):
        return self.qemu


class TmpDirTestCase(testtools.TestCase):

    def setUp(self):
        super(TmpDirTestCase, self).setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def fake_virtiofsd(self, help_text, version='virtiofsd 1.13.2'):
        return self.write('virtiofsd', '#!/bin/sh\ncase $1 in\n'
                          '--help) echo "%s" ;;\n--version) echo "%s" ;;\n'
                          'esac\n' % (help_text, version), stat.S_IRWXU)


class TestNativeReadonly(TmpDirTestCase):

    def test_libvirt_11_and_a_readonly_virtiofsd(self):
        native, why = stack.native_readonly(11003000, True)
        self.assertTrue(native)
        self.assertIn('libvirt 11.3.0', why)

    def test_libvirt_10_is_not_native(self):
        native, why = stack.native_readonly(10010000, True)
        self.assertFalse(native)
        self.assertEqual('libvirt 10.10.0 is older than 11.0.0', why)

    def test_virtiofsd_without_readonly_is_not_native(self):
        native, why = stack.native_readonly(11000000, False)
        self.assertFalse(native)
        self.assertEqual('virtiofsd has no --readonly', why)

    def test_help_is_read(self):
        self.assertTrue(stack.virtiofsd_has_readonly(self.fake_virtiofsd(
            '    --readonly   Make the shared directory read-only')))
        self.assertFalse(stack.virtiofsd_has_readonly(self.fake_virtiofsd(
            '-o source=PATH')))
        self.assertFalse(stack.virtiofsd_has_readonly(
            os.path.join(self.tmp, 'missing')))
        self.assertFalse(stack.virtiofsd_has_readonly(''))

    def test_collect_names_the_stack(self):
        vfsd = self.fake_virtiofsd('--readonly')
        found = stack.collect(FakeConn(11003000, 10000013), vfsd, self.tmp)
        self.assertTrue(found['native'])
        self.assertEqual('1.13.2', found['versions']['virtiofsd version'])
        self.assertIn('libvirt 11.3.0, QEMU 10.0.13, virtiofsd 1.13.2; '
                      'read-only native', found['summary'])

    def test_a_pinned_answer_wins_and_says_so(self):
        vfsd = self.fake_virtiofsd('-o source=PATH', 'virtiofsd version 7.2')
        found = stack.collect(FakeConn(9000000, 7002000), vfsd, self.tmp,
                              expect_native=True)
        self.assertTrue(found['native'])
        self.assertIn('libvirt 9.0.0 is older than 11.0.0; this stack was '
                      'expected to have native read-only', found['why'])

    def test_distro_from_os_release(self):
        path = self.write('os-release', 'ID=debian\nPRETTY_NAME="Debian '
                          'GNU/Linux 13 (trixie)"\n')
        self.assertEqual('Debian GNU/Linux 13 (trixie)', stack.distro(path))
        self.assertEqual('unknown distribution',
                         stack.distro(os.path.join(self.tmp, 'none')))


class TestMounts(TmpDirTestCase):

    MOUNTINFO = (
        '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n'
        '161 27 254:0 /r/src /r/state/view ro,relatime shared:1 - ext4 '
        '/dev/vda rw\n'
        '162 27 254:0 /r/src /r/state/view rw,relatime - ext4 /dev/vda rw\n'
        '163 27 0:40 / /r/a\\040b rw - tmpfs tmpfs rw\n'
        '164 27 0:41 / /rx rw - tmpfs tmpfs rw\n')

    def test_under_and_topmost_options(self):
        info = self.write('mountinfo', self.MOUNTINFO)
        self.assertEqual(['/r/state/view', '/r/state/view', '/r/a b'],
                         mounts.under('/r/', info))
        self.assertEqual('rw,relatime', mounts.options('/r/state/view', info))
        self.assertIsNone(mounts.options('/r', info))
        self.assertEqual(('/r/state/view', 'ro,relatime', '/r/src', '254:0'),
                         mounts.entries(info)[1])


class TestVirtiofsdArgv(TmpDirTestCase):

    def proc(self, pid, *argv):
        self.write('proc/%d/cmdline' % pid, '\0'.join(argv) + '\0')

    def test_both_option_styles_and_exact_source(self):
        self.proc(10, '/usr/libexec/virtiofsd', '--fd=23', '--shared-dir',
                  '/s/inst', '--cache', 'never', '--readonly')
        self.proc(11, '/usr/lib/qemu/virtiofsd', '--fd=5', '-o',
                  'source=/s/view,cache=none')
        self.proc(12, '/usr/libexec/virtiofsd', '--shared-dir',
                  '/s/inst-other')
        self.proc(13, '/usr/bin/qemu-system-x86_64', '-name', '/s/inst')
        os.makedirs(os.path.join(self.tmp, 'proc', 'self'))
        proc = os.path.join(self.tmp, 'proc')
        self.assertEqual([10], hypervisor.virtiofsd_pids('/s/inst', proc))
        self.assertEqual([11], hypervisor.virtiofsd_pids('/s/view', proc))
        self.assertIn('--readonly',
                      hypervisor.virtiofsd_argvs('/s/inst', proc)[0])
        self.assertEqual([], hypervisor.virtiofsd_argvs('/s', proc))
