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

"""devstack/lib/apparmor: our block in a profile's local file, reloads."""

import os

from tests.unit.devstack import base

PROFILE = 'usr.sbin.libvirtd'
RULE = '/var/lib/virtiofs-scaphandre/virtiofsd/virtiofsd PUx,'


class TestLocalRules(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestLocalRules, self).setUp()
        self.profile = self.write(
            self.path('etc/apparmor.d/' + PROFILE),
            'profile libvirtd /usr/sbin/libvirtd {\n'
            '  /usr/{lib,lib64,lib/qemu,libexec}/virtiofsd PUx,\n'
            '  #include <local/usr.sbin.libvirtd>\n}\n')
        self.local = self.path('etc/apparmor.d/local/' + PROFILE)
        self.enabled = self.write(
            self.env['VIRTIOFS_SCAPHANDRE_APPARMOR_ENABLED_FILE'], 'Y\n')

    def rules(self, rules):
        return self.run_bash(
            'virtiofs_scaphandre_apparmor_local_rules %s "%s"'
            % (PROFILE, rules))

    def test_add_keep_remove_with_a_reload_each_time_it_changes(self):
        self.write(self.local, '# Site-specific additions\n'
                   '/srv/operator/** r,\n')
        r = self.rules(RULE)
        self.assertOK(r)
        self.assertEqual([['-r', self.profile]], r.called('apparmor_parser'))
        text = self.read(self.local)
        self.assertIn('/srv/operator/** r,\n', text)
        self.assertIn(RULE + '\n', text)
        # The same rules again: no write, no reload.
        r = self.rules(RULE)
        self.assertEqual([], r.called('apparmor_parser'))
        self.assertEqual(text, self.read(self.local))
        # Removed: the operator's rule stays, the profile is reloaded.
        r = self.rules('')
        self.assertOK(r)
        self.assertEqual([['-r', self.profile]], r.called('apparmor_parser'))
        self.assertEqual('# Site-specific additions\n/srv/operator/** r,\n',
                         self.read(self.local))

    def test_a_failed_reload_stops_stack(self):
        r = self.run_bash(
            'function apparmor_parser { return 1; }\n'
            'virtiofs_scaphandre_apparmor_local_rules %s "%s"'
            % (PROFILE, RULE))
        self.assertDies(r, 'cannot reload', self.profile)

    def test_profile_without_local_include(self):
        self.write(self.profile, 'profile libvirtd {\n}\n')
        r = self.rules(RULE)
        self.assertDies(r, 'does not include local/usr.sbin.libvirtd', RULE)
        self.assertOK(self.rules(''))

    def test_apparmor_off_or_no_profile_changes_nothing(self):
        self.write(self.enabled, 'N\n')
        r = self.rules(RULE)
        self.assertOK(r)
        self.assertFalse(os.path.exists(self.local))
        self.write(self.enabled, 'Y\n')
        r = self.run_bash('virtiofs_scaphandre_apparmor_local_rules '
                          'usr.sbin.nonexistent "%s"' % RULE)
        self.assertOK(r)
        self.assertEqual([], r.called('apparmor_parser'))
