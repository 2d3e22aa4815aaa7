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

"""The local.conf samples and the settings they use."""

import os
import re

import testtools

from tests.unit.devstack import base


def settings_variables():
    with open(os.path.join(base.DEVSTACK_DIR, 'settings')) as f:
        return set(re.findall(r'^(VIRTIOFS_SCAPHANDRE_[A-Z_]+)=', f.read(),
                              re.M))


class TestSamples(testtools.TestCase):

    def check_localrc(self, lines):
        self.assertIn(
            'enable_plugin virtiofs-scaphandre '
            'https://opendev.org/openstack/virtiofs-scaphandre', lines)
        known = settings_variables()
        for line in lines:
            m = re.match(r'#?(VIRTIOFS_SCAPHANDRE_[A-Z_]+)=', line)
            if m:
                self.assertIn(m.group(1), known, line)

    def sample(self, name):
        with open(os.path.join(base.DEVSTACK_DIR, name)) as f:
            return f.read().splitlines()

    def test_single_node(self):
        lines = self.sample('local.conf.sample')
        self.assertEqual(1, lines.count('[[local|localrc]]'))
        self.check_localrc(lines)

    def test_nova_branch_is_the_series_base(self):
        with open(os.path.join(base.TOP_DIR, 'nova_patches', 'BASE')) as f:
            series_base = f.read().strip()
        for name in ('local.conf.sample', 'local.conf.multinode.sample'):
            branches = [line.lstrip('# ').split('=', 1)[1]
                        for line in self.sample(name)
                        if line.lstrip('# ').startswith('NOVA_BRANCH=')]
            self.assertNotEqual([], branches, name)
            self.assertEqual({series_base}, set(branches), name)

    def test_multinode_controller_and_subnode(self):
        lines = self.sample('local.conf.multinode.sample')
        self.assertEqual(1, lines.count('[[local|localrc]]'))
        self.check_localrc(lines)
        self.assertIn('VIRTIOFS_SCAPHANDRE_COMPUTE_NODES=2', lines)
        marker = [i for i, line in enumerate(lines)
                  if 'compute subnode local.conf' in line][0]
        subnode = [line[2:] if line.startswith('# ') else line.lstrip('#')
                   for line in lines[marker + 1:]]
        self.assertEqual('[[local|localrc]]', subnode[0])
        self.check_localrc(subnode)
        services = [line for line in subnode
                    if line.startswith('ENABLED_SERVICES=')][0]
        self.assertIn('n-cpu', services.split('=', 1)[1].split(','))
        self.assertNotIn('n-api', services)
