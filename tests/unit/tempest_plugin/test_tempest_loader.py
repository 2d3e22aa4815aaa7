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

"""tempest itself finds the plugin, its tests and its config group.

These tests run the real tempest command of this environment (tox
installs the project, so the tempest.test_plugins entry point exists) in a
workspace made by `tempest init`, without any cloud.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import testtools

import virtiofs_scaphandre_tempest_plugin

PACKAGE = 'virtiofs_scaphandre_tempest_plugin'
PLUGIN_DIR = os.path.dirname(os.path.abspath(
    virtiofs_scaphandre_tempest_plugin.__file__))
TOP_DIR = os.path.dirname(PLUGIN_DIR)
TEST_REGEX = r'^virtiofs_scaphandre_tempest_plugin\.'
CLASSES = ('serial_tests.test_no_valid_host.NoValidHostTest',
           'api.test_power_metrics_server.PowerMetricsServerTest',
           'scenario.test_guest_share.GuestShareTest',
           'api.test_host_views.HostViewTest',
           'api.test_extra_specs.PowerMetricsExtraSpecTest',
           'scenario.test_lifecycle.ShareLifecycleTest',
           'scenario.test_move.ShareMoveTest',
           'scenario.test_tampering.TamperingTest',
           'serial_tests.test_compute_restart.ComputeRestartTest',
           'serial_tests.test_file_backed_memory.FileBackedMemoryTest')


def expected_test_ids():
    """Test ids found by plain unittest discovery of the test package."""
    suite = unittest.TestLoader().discover(
        PLUGIN_DIR, top_level_dir=TOP_DIR)
    ids = set()

    def walk(tests):
        for test in tests:
            if isinstance(test, unittest.TestSuite):
                walk(test)
            else:
                ids.add(test.id())
    walk(suite)
    return ids


class TestTempestLoader(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super(TestTempestLoader, cls).setUpClass()
        cls.tempest = os.path.join(os.path.dirname(sys.executable),
                                   'tempest')
        if not os.path.exists(cls.tempest):
            raise RuntimeError('tempest is not installed next to %s'
                               % sys.executable)
        cls.tmp = tempfile.mkdtemp(prefix='vs-tempest-')
        cls.env = dict(os.environ, HOME=cls.tmp)
        cls.workspace = os.path.join(cls.tmp, 'ws')
        cls.run_tempest(['init', cls.workspace], cwd=cls.tmp)
        cls.conf_path = os.path.join(cls.workspace, 'etc', 'tempest.conf')
        with open(cls.conf_path) as f:
            cls.base_conf = f.read()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super(TestTempestLoader, cls).tearDownClass()

    @classmethod
    def run_tempest(cls, args, cwd=None, ok_codes=(0,)):
        proc = subprocess.run([cls.tempest] + args, cwd=cwd or cls.workspace,
                              env=cls.env, capture_output=True, text=True,
                              timeout=600)
        if proc.returncode not in ok_codes:
            raise AssertionError('tempest %s exited %d\nstdout:\n%s\n'
                                 'stderr:\n%s' % (' '.join(args),
                                                  proc.returncode,
                                                  proc.stdout, proc.stderr))
        return proc.stdout

    def write_conf(self, extra):
        with open(self.conf_path, 'w') as f:
            f.write(self.base_conf + textwrap.dedent(extra))

    def test_plugin_is_listed(self):
        out = self.run_tempest(['list-plugins'])
        self.assertRegex(out, r'virtiofs-scaphandre\s*\|\s*'
                              r'virtiofs_scaphandre_tempest_plugin\.plugin:'
                              r'VirtiofsScaphandreTempestPlugin')

    def test_every_test_is_discovered_with_an_idempotent_id(self):
        out = self.run_tempest(['run', '--list-tests', '--regex',
                                TEST_REGEX])
        listed = [line.strip() for line in out.splitlines()
                  if line.startswith('virtiofs_scaphandre_tempest_plugin.')]
        # Ids carry their tempest attributes: [id-<uuid>,negative].
        expected = expected_test_ids()
        self.assertNotEqual(set(), expected)
        self.assertEqual(expected, set(listed))
        self.assertEqual(len(listed), len(set(listed)))
        ids = {re.sub(r'\[.*\]$', '', line) for line in listed}
        for cls in CLASSES:
            self.assertTrue(
                any(i.startswith('%s.%s.' % (PACKAGE, cls))
                    for i in ids), '%s not discovered' % cls)
        for line in listed:
            self.assertRegex(line, r'\[(.*,)?id-[0-9a-f]{8}-[0-9a-f]{4}-'
                                   r'4[0-9a-f]{3}-[89ab][0-9a-f]{3}-'
                                   r'[0-9a-f]{12}(,.*)?\]$')

    def test_every_listed_test_has_an_id_of_its_own(self):
        out = self.run_tempest(['run', '--list-tests', '--regex',
                                TEST_REGEX])
        owner = {}
        for line in out.splitlines():
            match = re.match(r'^(' + PACKAGE + r'\.\S+?)'
                             r'\[(?:.*,)?id-([0-9a-f-]{36})', line)
            if match:
                test, uuid = match.group(1), match.group(2)
                self.assertEqual(test, owner.setdefault(uuid, test),
                                 'id %s used by two tests' % uuid)
        self.assertEqual(len(expected_test_ids()), len(owner))

    def test_serial_tests_are_marked_and_only_they(self):
        suite = unittest.TestLoader().discover(PLUGIN_DIR,
                                               top_level_dir=TOP_DIR)
        serial = {}

        def walk(tests):
            for test in tests:
                if isinstance(test, unittest.TestSuite):
                    walk(test)
                else:
                    cls = type(test)
                    serial['%s.%s' % (cls.__module__, cls.__name__)] = (
                        cls.is_serial_execution_requested())
        walk(suite)
        in_dir = {name for name in serial
                  if name.startswith(PACKAGE + '.serial_tests.')}
        self.assertEqual(in_dir, {n for n, marked in serial.items()
                                  if marked})
        self.assertEqual(3, len(in_dir), in_dir)

    def test_config_group_is_loaded_by_tempest(self):
        self.write_conf("""
            [virtiofs_scaphandre]
            enabled = true
            mount_tag = unit-tag
            compute_addresses = cmp1:192.0.2.10
            exporter_period = 3
            """)
        script = ('import json; from tempest import config; '
                  'g = config.CONF.virtiofs_scaphandre; '
                  'print(json.dumps({"enabled": g.enabled, '
                  '"tag": g.mount_tag, "addresses": g.compute_addresses, '
                  '"period": g.exporter_period, "host_dir": g.host_dir}))')
        env = dict(self.env,
                   TEMPEST_CONFIG_DIR=os.path.dirname(self.conf_path),
                   TEMPEST_CONFIG='tempest.conf')
        proc = subprocess.run([sys.executable, '-c', script],
                              cwd=self.workspace, env=env,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual({'enabled': True, 'tag': 'unit-tag',
                          'addresses': {'cmp1': '192.0.2.10'}, 'period': 3,
                          'host_dir': '/var/lib/libvirt/scaphandre'},
                         json.loads(proc.stdout.strip().splitlines()[-1]))

    def _run_skipping(self, regex):
        # stestr exits 1 when nothing passed; the summary tells the rest.
        out = self.run_tempest(['run', '--regex', regex], ok_codes=(0, 1))
        self.assertIn(' - Failed: 0', out)
        return out

    def test_disabled_feature_skips_every_class_for_real(self):
        self.write_conf("""
            [compute]
            max_microversion = latest
            [virtiofs_scaphandre]
            enabled = false
            """)
        out = self._run_skipping(TEST_REGEX)
        for cls in CLASSES:
            self.assertRegex(
                out, r'setUpClass \(' + PACKAGE + r'\.%s\) \.\.\. '
                     r'SKIPPED: \[virtiofs_scaphandre\] enabled is False'
                % re.escape(cls))
        self.assertIn(' - Skipped: %d' % len(CLASSES), out)

    def test_missing_settings_skip_with_their_reason_for_real(self):
        self.write_conf("""
            [compute]
            max_microversion = latest
            [placement]
            max_microversion = latest
            [virtiofs_scaphandre]
            enabled = true
            power_metrics_flavor_ref = 42
            control_flavor_ref = 43
            """)
        out = self._run_skipping(
            r'^virtiofs_scaphandre_tempest_plugin\.(api\.test_host_views|'
            r'scenario\.test_(guest_share|move)|serial_tests\.'
            r'test_file_backed_memory)\.')
        for cls, reason in (
                (CLASSES[2], 'compute_ssh_private_key_path is not set'),
                (CLASSES[3], 'compute_ssh_private_key_path is not set'),
                (CLASSES[6], 'compute_ssh_private_key_path is not set'),
                (CLASSES[9], 'compute_ssh_private_key_path is not set')):
            self.assertRegex(
                out, r'setUpClass \(' + PACKAGE + r'\.%s\) \.\.\. '
                     r'SKIPPED: .*%s' % (re.escape(cls), re.escape(reason)))
        self.assertIn(' - Skipped: 4', out)
