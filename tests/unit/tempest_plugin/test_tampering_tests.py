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

"""The tampering test bodies against a scripted cloud."""

import posixpath

import ddt

from tests.unit.tempest_plugin import scripted
from virtiofs_scaphandre_tempest_plugin.common import tampering
from virtiofs_scaphandre_tempest_plugin.scenario import test_tampering

METHODS = {
    'overwrite': 'test_overwrite_refused',
    'truncate': 'test_truncate_refused',
    'delete': 'test_delete_refused',
    'rename': 'test_rename_refused',
    'chmod': 'test_chmod_refused',
    'chown': 'test_chown_refused',
    'touch': 'test_touch_refused',
    'setxattr': 'test_setxattr_refused',
    'hard link': 'test_hard_link_refused',
}
# What each operation changes when the share is writable.
CHANGED = {
    'overwrite': 'sha256', 'truncate': 'size', 'delete': 'missing',
    'rename': 'missing', 'chmod': 'mode', 'chown': 'uid',
    'touch': 'mtime_ns', 'setxattr': 'xattrs', 'hard link': 'siblings',
}


@ddt.ddt
class TestTampering(scripted.ScenarioTestCase):

    cls = test_tampering.TamperingTest
    method = 'test_overwrite_refused'

    def setUp(self):
        super(TestTampering, self).setUp()
        self.test.guest = self.cloud.guest(self.cloud.boot())
        self.share = self.test.guest.share

    def test_every_operation_has_a_test(self):
        self.assertEqual(set(tampering.OPERATIONS), set(METHODS))
        self.assertEqual(set(tampering.OPERATIONS), set(CHANGED))

    @ddt.data(*sorted(METHODS))
    def test_refused(self, operation):
        self.run_test(METHODS[operation])
        self.assertEqual('after remount,rw', self.share.mounted)

    @ddt.data(*sorted(METHODS))
    def test_tampered(self, operation):
        self.cloud.broken.add('writable')
        self.assert_fails('%s by guest root of a file that cmp1 wrote'
                          % operation, 'as mounted: the host file changed',
                          'after remount,rw: the host file changed',
                          CHANGED[operation] + ':',
                          method=METHODS[operation])

    def test_exporter_writing_meanwhile_is_not_tampering(self):
        # The exporter may write its own files next to the host file
        # while the guest tries: that changes nothing of the host file.
        tamper = self.share._tamper

        def exporter_writes_too(operation, path):
            self.cloud.computes['cmp1'].write_file(
                posixpath.dirname(path) + '/intel-rapl:0', '1')
            return tamper(operation, path)

        self.share._tamper = exporter_writes_too
        self.run_test('test_chmod_refused')

    def test_success_reported_without_change(self):
        self.share._tamper = lambda operation, path: (0, '')
        self.assert_fails('as mounted: the guest reported success although '
                          'the host file did not change')

    def test_image_without_the_tool_skips(self):
        self.share.missing_tools.add('setxattr')
        e = self.assertRaises(self.test.skipException, self.run_test,
                              'test_setxattr_refused')
        self.assertIn('image img cannot setxattr a file of its own', str(e))
        self.assertIn('setfattr: not found', str(e))
