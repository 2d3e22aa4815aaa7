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

"""The reader behind the docs' devstack settings table."""

import os
import re

import testtools

from virtiofs_scaphandre.docs import devstack_settings

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SETTINGS = os.path.join(TOP_DIR, 'devstack', 'settings')

SAMPLE = """\
#!/bin/bash
# settings - a header that describes the file, not a setting

# shellcheck disable=SC2034

# The host directory and the tag.
# Second line of the same description.
VIRTIOFS_SCAPHANDRE_HOST_DIR=${VIRTIOFS_SCAPHANDRE_HOST_DIR:-/var/lib/x}
VIRTIOFS_SCAPHANDRE_MOUNT_TAG=${VIRTIOFS_SCAPHANDRE_MOUNT_TAG:-}
# Persist across reboots.
VIRTIOFS_SCAPHANDRE_PERSIST=$(trueorfalse True VIRTIOFS_SCAPHANDRE_PERSIST)

VIRTIOFS_SCAPHANDRE_ORPHAN=${VIRTIOFS_SCAPHANDRE_ORPHAN:-1}
# A view below another variable.
# shellcheck disable=SC2154
VIRTIOFS_SCAPHANDRE_VIEW=${VIRTIOFS_SCAPHANDRE_VIEW:-${STATE:-/opt}/v}
define_plugin something
VIRTIOFS_SCAPHANDRE_AFTER_CODE=$(pwd)
if true; then
    VIRTIOFS_SCAPHANDRE_INDENTED=1
fi
"""


class TestParse(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.groups = devstack_settings.parse(SAMPLE)
        self.by_name = {s.name: (g.description, s.default)
                        for g in self.groups for s in g.settings}

    def test_comment_block_describes_the_group_below_it(self):
        self.assertEqual(
            ['VIRTIOFS_SCAPHANDRE_HOST_DIR', 'VIRTIOFS_SCAPHANDRE_MOUNT_TAG'],
            [s.name for s in self.groups[0].settings])
        self.assertEqual('The host directory and the tag. Second line of '
                         'the same description.',
                         self.groups[0].description)

    def test_comment_after_an_assignment_starts_a_group(self):
        self.assertEqual(('Persist across reboots.', 'True'),
                         self.by_name['VIRTIOFS_SCAPHANDRE_PERSIST'])

    def test_defaults_as_written(self):
        self.assertEqual('/var/lib/x',
                         self.by_name['VIRTIOFS_SCAPHANDRE_HOST_DIR'][1])
        self.assertEqual('', self.by_name['VIRTIOFS_SCAPHANDRE_MOUNT_TAG'][1])
        self.assertEqual('${STATE:-/opt}/v',
                         self.by_name['VIRTIOFS_SCAPHANDRE_VIEW'][1])
        self.assertEqual('$(pwd)',
                         self.by_name['VIRTIOFS_SCAPHANDRE_AFTER_CODE'][1])

    def test_shellcheck_directives_are_not_descriptions(self):
        self.assertEqual('A view below another variable.',
                         self.by_name['VIRTIOFS_SCAPHANDRE_VIEW'][0])

    def test_settings_without_a_comment_are_undocumented(self):
        self.assertEqual(
            ['VIRTIOFS_SCAPHANDRE_ORPHAN', 'VIRTIOFS_SCAPHANDRE_AFTER_CODE'],
            devstack_settings.undocumented(self.groups))

    def test_only_top_level_assignments_are_settings(self):
        self.assertNotIn('VIRTIOFS_SCAPHANDRE_INDENTED', self.by_name)


class TestPluginSettingsFile(testtools.TestCase):
    """devstack/settings itself: the table the docs build from it."""

    def test_every_setting_is_documented(self):
        groups = devstack_settings.read(SETTINGS)
        self.assertEqual([], devstack_settings.undocumented(groups))

    def test_every_assignment_is_in_the_table(self):
        with open(SETTINGS) as f:
            assigned = set(re.findall(
                r'^(VIRTIOFS_SCAPHANDRE_[A-Z0-9_]+)=', f.read(), re.M))
        listed = {s.name for g in devstack_settings.read(SETTINGS)
                  for s in g.settings}
        self.assertEqual(assigned, listed)
        self.assertIn('VIRTIOFS_SCAPHANDRE_HOST_DIR', listed)
