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

import json
import os
import stat
import tempfile
import time

import testtools

from virtiofs_scaphandre.e2e import hypervisor
from virtiofs_scaphandre.e2e import main
from virtiofs_scaphandre.e2e import mounts
from virtiofs_scaphandre.e2e import report
from virtiofs_scaphandre.e2e import run


class FakeDomain(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeConn(object):
    def __init__(self, names):
        self.names = names

    def listAllDomains(self):
        return [FakeDomain(n) for n in self.names]


class RunTestCase(testtools.TestCase):

    def setUp(self):
        super(RunTestCase, self).setUp()
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.args = main.parse_args(['--run-dir', self.tmp.name])
        self.run_ = run.Run(self.args, report.Result())

    def fake_python(self, body):
        path = os.path.join(self.tmp.name, 'fake-python')
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n' + body + '\n')
        os.chmod(path, stat.S_IRWXU)
        self.args.nova_python = path


class TestClashes(RunTestCase):

    def test_existing_domain_is_a_clear_error(self):
        self.run_.conn = FakeConn(['other-vm', 'e2e-vfs-00e2e001'])
        e = self.assertRaises(run.RunError, self.run_.check_clashes)
        self.assertIn('domain name clash: libvirt already has '
                      'e2e-vfs-00e2e001', str(e))
        self.assertIn('--cleanup-only', str(e))

    def test_other_domains_are_left_alone(self):
        self.run_.conn = FakeConn(['instance-00000001', 'e2e'])
        self.run_.check_clashes()


class TestNovaSubprocess(RunTestCase):

    def test_nova_error_is_reported_with_its_log(self):
        self.fake_python(
            'echo "some warning" >&2\n'
            'echo \'{"ok": false, "error": "ShareLocalFsFailed: no ro"}\'')
        e = self.assertRaises(run.RunError, self.run_.nova, 'spawn', {})
        self.assertIn('nova spawn failed: ShareLocalFsFailed: no ro', str(e))
        self.assertIn('nova-spawn.log', str(e))

    def test_no_result_is_reported(self):
        self.fake_python('exit 3')
        e = self.assertRaises(run.RunError, self.run_.nova, 'cleanup', {})
        self.assertIn('nova cleanup printed no result (rc 3', str(e))

    def test_hang_is_bounded(self):
        self.fake_python('sleep 30')
        start = time.monotonic()
        e = self.assertRaises(run.RunError, self.run_.nova, 'refuse', {},
                              timeout=0.5)
        self.assertLess(time.monotonic() - start, 10)
        self.assertIn('nova refuse did not finish in 0 s', str(e))

    def test_result_and_config_are_passed(self):
        self.fake_python(
            'cat "$4" >&2\necho noise\n'
            'echo \'{"ok": true, "result": {"name": "e2e-vfs-1"}}\'')
        out = self.run_.nova('spawn', {'virt_type': 'qemu'})
        self.assertEqual({'name': 'e2e-vfs-1'}, out)
        with open(os.path.join(self.tmp.name, 'nova-spawn.json')) as f:
            self.assertEqual({'virt_type': 'qemu'}, json.load(f))


class TestConfig(RunTestCase):

    def test_nova_config_asks_for_power_metrics_and_hugepages(self):
        cfg = self.run_.nova_config()
        self.assertEqual({'hw:power_metrics': 'true',
                          'hw:mem_page_size': '2048'}, cfg['extra_specs'])
        self.assertEqual('e2e-vfs-%08x', cfg['name_template'])
        self.assertEqual({os.path.join(self.tmp.name, 'scaphandre'):
                          'scaphandre'}, json.loads(cfg['share_local_fs']))
        self.assertEqual('e2e-vfs-00e2e001', self.run_.name)

    def test_guest_command_line(self):
        words = self.run_.cmdline().split()
        self.assertIn('e2e.tag=scaphandre', words)
        self.assertIn('e2e.fresh=9', words)
        self.assertIn('e2e.sibling=e2e-vfs-00e2e002', words)
        self.assertIn('console=ttyS0', words)

    def test_leftover_mounts_stop_the_run(self):
        orig = mounts.under
        self.addCleanup(setattr, mounts, 'under', orig)
        mounts.under = lambda path: [path + '/state/x']
        e = self.assertRaises(run.RunError, self.run_.prepare_dirs)
        self.assertIn('mounts left under', str(e))
        self.assertIn('--cleanup-only', str(e))


class TestKeepLogs(RunTestCase):

    def test_logs_and_xml_outlive_the_run_dir(self):
        self.args.logs_dir = os.path.join(self.tmp.name, 'kept')
        self.run_ = run.Run(self.args, report.Result())
        self.run_.run_dir = os.path.join(self.tmp.name, 'run')
        os.makedirs(os.path.join(self.run_.run_dir, 'guest'))
        for name in ('console-x.log', 'domain.xml', 'nova-spawn.json',
                     'vmlinuz'):
            with open(os.path.join(self.run_.run_dir, name), 'w') as f:
                f.write(name)
        main.keep_logs(self.run_)
        self.assertEqual(['console-x.log', 'domain.xml', 'nova-spawn.json'],
                         sorted(os.listdir(self.args.logs_dir)))
        self.assertEqual(self.args.logs_dir,
                         self.run_.result.info['logs'])


class TestConsoleLog(testtools.TestCase):

    def setUp(self):
        super(TestConsoleLog, self).setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.path = os.path.join(tmp.name, 'console.log')

    def test_mark_and_wait(self):
        log = hypervisor.ConsoleLog(self.path)
        self.assertEqual('', log.text())
        with open(self.path, 'w') as f:
            f.write('E2E BOOT mode=full\nE2E READY uptime_cs=1\n')
        log.mark()
        e = self.assertRaises(hypervisor.Timeout, log.wait_for, 'READY', 0.1)
        self.assertIn('no "E2E READY" on the guest console after 0 s',
                      str(e))
        with open(self.path, 'a') as f:
            f.write('E2E BOOT mode=full\nE2E READY uptime_cs=2\n')
        self.assertLess(log.wait_for('READY', 1), 1)
        self.assertEqual(1, len(log.boots()))

    def test_dead_domain_stops_the_wait(self):
        log = hypervisor.ConsoleLog(self.path)
        e = self.assertRaises(hypervisor.Timeout, log.wait_for, 'READY', 30,
                              alive=lambda: 'domain is shut off')
        self.assertIn('waiting for "E2E READY": domain is shut off', str(e))


class TestProbeXml(testtools.TestCase):

    def test_probe_domain_is_minimal(self):
        import xml.etree.ElementTree as ET
        root = ET.fromstring(hypervisor.probe_domain_xml(
            'e2e-vfs-kvm-probe', 'kvm', '/k', '/i', '/log'))
        self.assertEqual('kvm', root.get('type'))
        self.assertIn('e2e.mode=probe', root.findtext('os/cmdline'))
        self.assertEqual([], root.findall('devices/filesystem'))


class TestViewRemovalCheck(testtools.TestCase):
    """nova's cleanup of the view must be seen happening, not assumed."""

    VIEW = '/state/share_local_fs/inst/scaphandre'

    def out(self, before, after=(), views_dir_exists=False):
        return {'mounted_before': list(before), 'mounted_after': list(after),
                'views_dir_exists': views_dir_exists}

    def test_view_stack_passes_when_the_view_existed_and_went(self):
        _name, ok, detail = main.view_removal_check(
            False, self.out([self.VIEW]))
        self.assertTrue(ok, detail)

    def test_view_stack_with_no_view_to_remove_fails(self):
        # What happened once: init_host() had removed it already, so the
        # check passed without testing the cleanup.
        _name, ok, _detail = main.view_removal_check(False, self.out([]))
        self.assertFalse(ok)

    def test_view_left_mounted_or_directory_left_fails(self):
        self.assertFalse(main.view_removal_check(
            False, self.out([self.VIEW], after=[self.VIEW]))[1])
        self.assertFalse(main.view_removal_check(
            False, self.out([self.VIEW], views_dir_exists=True))[1])

    def test_native_stack_must_never_have_a_view(self):
        name, ok, _detail = main.view_removal_check(True, self.out([]))
        self.assertTrue(ok)
        self.assertIn('native', name)
        self.assertFalse(main.view_removal_check(
            True, self.out([self.VIEW]))[1])
