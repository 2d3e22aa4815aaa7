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

"""devstack/settings: defaults, their documentation, and their check."""

import os
import re

from tests.unit.devstack import base

SETTINGS = os.path.join(base.DEVSTACK_DIR, 'settings')


def settings_groups():
    """[(comment lines, [names])] of the top-level settings, in order."""
    groups, comment, current = [], [], None
    with open(SETTINGS) as f:
        for line in f:
            line = line.rstrip('\n')
            match = re.match(r'^(VIRTIOFS_SCAPHANDRE_[A-Z0-9_]+)=', line)
            if match:
                if current is None:
                    current = (comment, [])
                    groups.append(current)
                    comment = []
                current[1].append(match.group(1))
            elif line.startswith('#'):
                comment.append(line)
                current = None
            else:
                comment, current = [], None
    return groups


class TestSettings(base.DevstackPluginTestCase):

    def test_defaults(self):
        for k in list(self.env):
            if k.startswith('VIRTIOFS_SCAPHANDRE_'):
                del self.env[k]
        r = self.run_bash(
            'echo "$VIRTIOFS_SCAPHANDRE_HOST_DIR'
            '|$VIRTIOFS_SCAPHANDRE_MOUNT_TAG'
            '|$VIRTIOFS_SCAPHANDRE_READONLY_VIEW_DIR|$NOVA_FILTERS'
            '|$VIRTIOFS_SCAPHANDRE_NOVA_PATCHES_TOOL'
            '|$VIRTIOFS_SCAPHANDRE_EXPORTER|$ENABLED_SERVICES"')
        self.assertOK(r)
        host_dir, tag, view, filters, tool, exporter, services = (
            r.stdout.strip().split('|'))
        self.assertEqual('/var/lib/libvirt/scaphandre', host_dir)
        self.assertEqual('scaphandre', tag)
        self.assertEqual('/opt/stack/data/nova/share_local_fs', view)
        self.assertEqual(
            'ComputeFilter,ImagePropertiesFilter,NUMATopologyFilter', filters)
        self.assertEqual(os.path.join(base.TOP_DIR, 'tools', 'nova-patches'),
                         tool)
        self.assertEqual('scaphandre', exporter)
        self.assertIn(',scaphandre-exporter', services)

    def test_settings_twice_adds_the_filter_once(self):
        r = self.run_bash('source %s; echo "$NOVA_FILTERS"' % SETTINGS)
        self.assertEqual(1, r.stdout.count('NUMATopologyFilter'))

    def test_no_exporter_no_service(self):
        r = self.run_bash('echo "$ENABLED_SERVICES"', env={
            'VIRTIOFS_SCAPHANDRE_EXPORTER': 'none'})
        self.assertNotIn('scaphandre-exporter', r.stdout)

    def test_every_setting_is_documented_by_a_comment(self):
        # The docs' settings table is generated from these comments.
        groups = settings_groups()
        names = [n for _c, group in groups for n in group]
        self.assertGreater(len(names), 20)
        self.assertEqual(len(names), len(set(names)), names)
        for comment, group in groups:
            text = ' '.join(c.lstrip('#').strip() for c in comment
                            if not c.startswith('# shellcheck'))
            self.assertGreater(len(text), 15, 'no comment for %s' % group)
        # Every VIRTIOFS_SCAPHANDRE_* the plugin reads from local.conf is
        # one of them (the libs' own knobs are set before they are used).
        with open(SETTINGS) as f:
            assigned = set(re.findall(r'^\s*(VIRTIOFS_SCAPHANDRE_\w+)=',
                                      f.read(), re.M))
        self.assertEqual(set(names), assigned)


class TestSettingsValidation(base.DevstackPluginTestCase):

    def check(self, **env):
        return self.run_bash('virtiofs_scaphandre_check_settings', env=env)

    def test_defaults_are_valid(self):
        self.assertOK(self.check())

    def test_relative_dir(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_HOST_DIR='var/lib/x')
        self.assertDies(r, 'VIRTIOFS_SCAPHANDRE_HOST_DIR', "'var/lib/x'")

    def test_tag_too_long(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='t' * 37)
        self.assertDies(r, '37 bytes', 'at most 36')
        self.assertOK(self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='t' * 36))

    def test_tag_counts_bytes_not_characters(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='\u00e9' * 20)
        self.assertDies(r, '40 bytes')

    def test_empty_tag(self):
        # settings turns an empty value into the default; set it after.
        r = self.run_bash("VIRTIOFS_SCAPHANDRE_MOUNT_TAG=''; "
                          "virtiofs_scaphandre_check_settings")
        self.assertDies(r, 'VIRTIOFS_SCAPHANDRE_MOUNT_TAG must not be empty')

    def test_quote_in_tag(self):
        self.assertDies(self.check(VIRTIOFS_SCAPHANDRE_MOUNT_TAG='a"b'),
                        'quotes')

    def test_count_not_a_number(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT='1k')
        self.assertDies(r, "VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT", "'1k'")

    def test_same_flavor_names(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_CONTROL_FLAVOR='power-metrics')
        self.assertDies(r, 'must differ')

    def test_unknown_exporter(self):
        r = self.check(VIRTIOFS_SCAPHANDRE_EXPORTER='real')
        self.assertDies(r, 'VIRTIOFS_SCAPHANDRE_EXPORTER',
                        'scaphandre, fake or none', "'real'")
