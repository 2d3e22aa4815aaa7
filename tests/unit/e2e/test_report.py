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
import tempfile

import testtools

from virtiofs_scaphandre.e2e import report


class FakeClock(object):
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


class TestResult(testtools.TestCase):

    def test_all_pass_exits_zero(self):
        result = report.Result()
        result.add('g', 'a', True)
        result.add('g', 'b', True, 'detail')
        self.assertTrue(result.passed)
        self.assertEqual(0, result.exit_code())
        self.assertEqual('PASS', result.to_dict()['result'])

    def test_one_failure_exits_non_zero(self):
        result = report.Result()
        result.add('g', 'a', True)
        result.add('g', 'b', False, 'what went wrong')
        self.assertFalse(result.passed)
        self.assertEqual(1, result.exit_code())
        data = result.to_dict()
        self.assertEqual('FAIL', data['result'])
        self.assertEqual({'PASS': 1, 'FAIL': 1, 'SKIP': 0}, data['counts'])

    def test_no_check_is_not_a_pass(self):
        result = report.Result()
        result.skip('g', 'a', 'not here')
        self.assertFalse(result.passed)
        self.assertEqual(1, result.exit_code())

    def test_skipped_checks_do_not_fail(self):
        result = report.Result()
        result.add('g', 'a', True)
        result.skip('g', 'b', 'needs two hosts')
        self.assertEqual(0, result.exit_code())
        self.assertEqual('SKIP', result.to_dict()['checks'][1]['status'])

    def test_run_error_exits_two_and_is_reported(self):
        result = report.Result()
        result.add('g', 'a', True)
        result.fail_run('libvirt too old: found 5.0.0, need >= 6.2.0')
        self.assertEqual(2, result.exit_code())
        data = result.to_dict()
        self.assertEqual('ERROR', data['result'])
        text = report.render(data)
        self.assertIn('ERROR: libvirt too old: found 5.0.0, need >= 6.2.0',
                      text)

    def test_json_has_checks_timings_versions(self):
        clock = FakeClock()
        result = report.Result(clock=clock)
        result.add('guest', 'mount', True, 'rc=0')
        result.time('boot', 2.34567)
        result.versions['libvirt'] = '9.0.0'
        result.measurements['lag'] = {'lag_max_s': 0.05}
        clock.now += 12.5
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'r.json')
            result.write_json(path)
            with open(path) as f:
                data = json.load(f)
        self.assertEqual([{'group': 'guest', 'name': 'mount',
                           'status': 'PASS', 'detail': 'rc=0'}],
                         data['checks'])
        self.assertEqual({'boot': 2.346}, data['timings_s'])
        self.assertEqual({'libvirt': '9.0.0'}, data['versions'])
        self.assertEqual(12.5, data['wall_time_s'])
        self.assertEqual({'lag': {'lag_max_s': 0.05}}, data['measurements'])


class TestRender(testtools.TestCase):

    def test_groups_statuses_and_details(self):
        result = report.Result()
        result.add('nova', 'xml has filesystem', True)
        result.add('guest', 'writes fail', False, 'allowed: create\nline 2')
        result.info['accelerator'] = 'TCG (no KVM): /dev/kvm missing'
        result.info['changes'] = ['removed disk', 'serial to file']
        text = report.render(result.to_dict())
        self.assertIn('[nova]\n  PASS xml has filesystem', text)
        self.assertIn('[guest]\n  FAIL writes fail\n'
                      '         allowed: create\n         line 2', text)
        self.assertIn('      - serial to file', text)
        self.assertIn('TCG (no KVM)', text)
        self.assertIn('Summary of checks - 1 PASS, 1 FAIL, 0 SKIP', text)
        self.assertIn('virtiofs-scaphandre end-to-end check: FAIL', text)
