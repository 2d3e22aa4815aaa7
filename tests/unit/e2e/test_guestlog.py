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

import testtools

from virtiofs_scaphandre.e2e import guestlog
from virtiofs_scaphandre.e2e import report

SIBLING = 'e2e-vfs-00e2e002'

GOOD_BOOT = '\n'.join([
    '[    0.000000] Linux version 6.1.0-56-cloud-amd64',
    'E2E BOOT mode=full uptime_cs=189 boot_id=5a445557',
    'E2E CHECK name=mount rc=0 tries=1 opts=virtiofs,rw,relatime '
    'err=',
    'E2E READY uptime_cs=196',
    'E2E READ file=hello.txt content=hello-token ',
    'E2E READ file=intel-rapl:0/energy_uj content=123 ',
    'E2E LIST type=dir path=',
    'E2E LIST type=link path=/host-etc target=/etc',
    'E2E LIST type=dir path=/intel-rapl:0',
    'E2E LIST type=file path=/intel-rapl:0/energy_uj',
    'E2E LIST type=file path=/hello.txt',
    "E2E WRITE phase=ro op=create rc=1 err=sh: can't create "
    '/mnt/share/x: Read-only file system',
    "E2E WRITE phase=ro op=mkdir rc=1 err=mkdir: can't create "
    "directory '/mnt/share/d': Read-only file system",
    'E2E CHECK name=remount_rw rc=0 opts=virtiofs,rw,relatime '
    'err=',
    "E2E WRITE phase=remount op=create rc=1 err=sh: can't create "
    '/mnt/share/x: Read-only file system',
    'E2E WRITE phase=remount op=chmod rc=1 err=chmod: '
    '/mnt/share/hello.txt: Permission denied',
    'E2E ISO name=parent same_as_guest_mnt=yes ls=. .. share ',
    'E2E ISO name=sibling_dotdot rc=1 out=ls: '
    '/mnt/share/../%(sib)s: No such file or directory',
    'E2E ISO name=link path=/host-etc target=/etc rc=0 out=. .. '
    'hostname modules.order',
    "E2E ISO name=link_secret path=/host-etc rc=1 out=cat: can't "
    "open '/mnt/share/host-etc/secret.txt': No such file or "
    'directory',
    'E2E FRESH file=intel-rapl:0/energy_uj t=271 v=123',
    'E2E FRESHEND reads=68 start=271 end=674 maxgap_cs=6',
    'E2E DONE uptime_cs=674',
]) % {'sib': SIBLING} + '\n'


def expectations():
    return guestlog.GuestExpectations(
        files={'hello.txt': 'hello-token'},
        counter='intel-rapl:0/energy_uj',
        listing={('link', '/host-etc'), ('dir', '/intel-rapl:0'),
                 ('file', '/intel-rapl:0/energy_uj'),
                 ('file', '/hello.txt')},
        sibling=SIBLING, secrets=['SIBLING-SECRET-1'],
        host_only_names={'secret.txt'})


def statuses(result):
    return {c.name: c.status for c in result.checks}


class TestParse(testtools.TestCase):

    def test_fields_with_spaces_and_empty_values(self):
        word, fields = guestlog.parse_line(
            "E2E WRITE phase=ro op=create rc=1 err=sh: can't create /x: "
            "Read-only file system")
        self.assertEqual('WRITE', word)
        self.assertEqual({'phase': 'ro', 'op': 'create', 'rc': '1',
                          'err': "sh: can't create /x: Read-only file "
                                 "system"}, fields)
        word, fields = guestlog.parse_line(
            'E2E CHECK name=mount rc=0 opts=virtiofs,rw err=')
        self.assertEqual('', fields['err'])

    def test_kernel_noise_before_marker_and_non_marker_lines(self):
        self.assertEqual(
            ('READY', {'uptime_cs': '5'}),
            guestlog.parse_line('[ 1.2] random: crng init\rE2E READY '
                                'uptime_cs=5\r\n'))
        self.assertIsNone(guestlog.parse_line('[ 1.2] virtio_pci probe'))
        self.assertIsNone(guestlog.parse_line('E2E lowercase x=1'))

    def test_boots_split_at_boot_lines(self):
        boots = guestlog.parse_boots(GOOD_BOOT + GOOD_BOOT)
        self.assertEqual(2, len(boots))
        self.assertEqual('BOOT', boots[1][0][0])
        self.assertEqual(
            'virtiofs,rw,relatime',
            guestlog.first(boots[1], 'CHECK', name='mount')['opts'])


class TestCheckBoot(testtools.TestCase):

    def check(self, text):
        result = report.Result()
        boot = guestlog.parse_boots(text)[-1]
        guestlog.check_boot(boot, expectations(), result, 'guest',
                            log_text=text)
        return result

    def test_good_boot_passes(self):
        result = self.check(GOOD_BOOT)
        self.assertEqual([], [(c.name, c.detail) for c in result.failed])
        self.assertEqual(10, len(result.checks))

    def test_write_that_succeeds_fails_the_check(self):
        text = GOOD_BOOT.replace(
            "E2E WRITE phase=remount op=create rc=1 err=sh: can't create "
            "/mnt/share/x: Read-only file system",
            'E2E WRITE phase=remount op=create rc=0 err=')
        result = self.check(text)
        failed = [c for c in result.failed]
        self.assertEqual(['writes still fail after mount -o remount,rw'],
                         [c.name for c in failed])
        self.assertIn('allowed: create', failed[0].detail)

    def test_other_error_than_erofs_is_not_a_denial(self):
        text = GOOD_BOOT.replace(
            "'/mnt/share/d': Read-only file system",
            "'/mnt/share/d': No space left on device")
        self.assertEqual(['writes fail (EROFS/EACCES)'],
                         [c.name for c in self.check(text).failed])

    def test_wrong_content_and_missing_mount(self):
        text = GOOD_BOOT.replace('content=hello-token',
                                 'content=hello-stale')
        result = self.check(text)
        self.assertEqual('FAIL', statuses(result)[
            'host file hello.txt reads back with its content'])
        text = GOOD_BOOT.replace('name=mount rc=0', 'name=mount rc=255')
        self.assertEqual('FAIL', statuses(self.check(text))[
            'virtiofs tag mounts with mount -t virtiofs'])

    def test_no_mount_line_is_one_failure(self):
        text = 'E2E BOOT mode=full uptime_cs=1 boot_id=x\n'
        result = self.check(text)
        self.assertEqual(1, len(result.checks))
        self.assertFalse(result.checks[0].ok)

    def test_extra_file_in_share_fails_listing(self):
        text = GOOD_BOOT.replace(
            'E2E LIST type=file path=/hello.txt',
            'E2E LIST type=file path=/hello.txt\n'
            'E2E LIST type=dir path=/%s' % SIBLING)
        result = self.check(text)
        failed = result.failed
        self.assertEqual(['the share shows exactly the instance directory'],
                         [c.name for c in failed])
        self.assertIn(SIBLING, failed[0].detail)

    def test_symlink_reaching_host_directory_fails(self):
        text = GOOD_BOOT.replace(
            'out=. .. hostname modules.order',
            'out=. .. %s secret.txt' % SIBLING)
        self.assertIn('host symlinks in the share resolve inside the guest',
                      [c.name for c in self.check(text).failed])

    def test_sibling_reachable_fails(self):
        text = GOOD_BOOT.replace(
            'E2E ISO name=sibling_dotdot rc=1', 'E2E ISO name=sibling_dotdot '
            'rc=0')
        self.assertIn('sibling instance directory %s is not reachable'
                      % SIBLING, [c.name for c in self.check(text).failed])

    def test_secret_in_console_log_fails(self):
        text = GOOD_BOOT + 'SIBLING-SECRET-1\n'
        self.assertIn('no content from outside the instance directory '
                      'reached the guest',
                      [c.name for c in self.check(text).failed])

    def test_parent_not_guest_mnt_fails(self):
        text = GOOD_BOOT.replace('same_as_guest_mnt=yes',
                                 'same_as_guest_mnt=no')
        self.assertIn("share/.. is the guest's own /mnt, not the host",
                      [c.name for c in self.check(text).failed])

    def test_quick_boot_checks_mount_and_reads_only(self):
        result = report.Result()
        boot = guestlog.parse_boots(GOOD_BOOT)[-1]
        guestlog.check_boot(boot, expectations(), result, 'g', full=False)
        self.assertEqual(3, len(result.checks))
