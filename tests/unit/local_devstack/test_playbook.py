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

"""up --playbook: the containers handed to playbooks/dev-vm.yaml."""

import json
import os

import yaml

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import playbook
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError


class TestPlaybookProvision(base.TestCase):

    def cloud(self, **settings):
        values = {'provision': 'playbook', 'subnode': 'false',
                  'ansible_playbook': '/bin/true'}
        values.update(settings)
        s = self.settings(**values)
        self.runner = base.FakeRunner()
        return cloud_mod.Cloud(s, self.runner, checks=False)

    def test_the_playbook_knows_every_variable_passed(self):
        cloud = self.cloud(git_base='mirror', image='/x/guest-uec.tar.gz')
        variables = playbook.extra_vars(cloud.s, cloud.controller,
                                        cloud.controller, '/results')
        with open(os.path.join(base.TOP_DIR, playbook.PLAYBOOK)) as f:
            text = f.read()
        for name in variables:
            self.assertIn(name, text)
        settings = dict(v.split('=', 1)
                        for v in variables['vs_extra_settings'])
        self.assertEqual('netdev', settings['OVS_DATAPATH_TYPE'])
        self.assertEqual('file:///opt/git', settings['GIT_BASE'])
        self.assertNotIn('HOST_IP', settings)
        self.assertIn('etcd3', variables['vs_disable_services'])
        self.assertIn('post-config|$NOVA_CONF|workarounds|'
                      'disable_deep_image_inspection=True',
                      variables['vs_extra_conf'])
        self.assertEqual('virtiofs-scaphandre-tempest', variables['vs_job'])

    def test_every_play_var_default_is_one_the_tool_may_override(self):
        with open(os.path.join(base.TOP_DIR, playbook.PLAYBOOK)) as f:
            plays = yaml.safe_load(f)
        defaults = set()
        for play in plays:
            defaults |= set(play.get('vars') or {})
        for name in ('vs_extra_settings', 'vs_extra_conf',
                     'vs_disable_services', 'vs_devstack_repo', 'vs_job'):
            self.assertIn(name, defaults)

    def test_inventory_of_the_controller(self):
        cloud = self.cloud()
        text = playbook.inventory(cloud.nodes, '/k')
        self.assertIn('[controller]\nlds-controller ansible_host=10.213.0.10 '
                      'ansible_user=root ansible_ssh_private_key_file=/k',
                      text)
        self.assertIn('[subnode]\n', text)

    def test_the_subnode_is_refused_before_the_host_changes(self):
        cloud = self.cloud()
        cloud.s._values['subnode'] = True
        e = self.assertRaises(LocalDevstackError,
                              playbook.PlaybookStacker(cloud.stacker).check)
        self.assertIn('--no-subnode', str(e))

    def test_a_missing_ansible_is_named(self):
        cloud = self.cloud(ansible_playbook='/nonexistent/ansible-playbook')
        e = self.assertRaises(LocalDevstackError,
                              playbook.PlaybookStacker(cloud.stacker).check)
        self.assertIn('pip install ansible-core', str(e))

    def test_run_passes_inventory_and_vars(self):
        cloud = self.cloud()
        self.write(os.path.join(cloud.s.logs_dir, 'dev-vm-playbook.log'), '')
        self.runner.responses[('/bin/true',)] = (
            0, 'PLAY RECAP ***\nlds-controller : ok=30 failed=0\n')
        playbook.PlaybookStacker(cloud.stacker).run_playbook()
        argv = self.runner.ran('/bin/true')[0]
        self.assertEqual(os.path.join(base.TOP_DIR, playbook.PLAYBOOK),
                         argv[-1])
        with open(argv[argv.index('-e') + 1][1:]) as f:
            self.assertEqual('virtiofs-scaphandre-tempest',
                             json.load(f)['vs_job'])

    def test_a_failed_run_shows_the_recap(self):
        cloud = self.cloud()
        self.runner.responses[('/bin/true',)] = (
            2, 'TASK [Run stack.sh]\nfatal\nPLAY RECAP ***\n'
            'lds-controller : ok=20 failed=1\n')
        e = self.assertRaises(
            LocalDevstackError,
            playbook.PlaybookStacker(cloud.stacker).run_playbook)
        self.assertIn('failed=1', str(e))


class TestProvisionSetting(base.TestCase):

    def test_only_known_values(self):
        e = self.assertRaises(LocalDevstackError, self.settings,
                              provision='vagrant')
        self.assertIn("'vagrant' is not one of tool, playbook", str(e))
