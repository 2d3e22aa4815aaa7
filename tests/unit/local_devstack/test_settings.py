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

import os

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import settings as settings_mod


class TestSettings(base.TestCase):

    def test_defaults(self):
        s = settings_mod.load(environ={}, config_path=None)
        self.assertEqual('/var/lib/local-devstack', s.state_dir)
        self.assertEqual('master', s.devstack_branch)
        self.assertTrue(s.subnode)
        self.assertEqual(512, s.hugepages)
        self.assertEqual('10.213.0.0/24', str(s.subnet))
        self.assertFalse(s.uses_mirror)

    def test_config_file_then_environment_then_cli(self):
        path = self.write(os.path.join(self.tmp, 'c.conf'),
                          '[local-devstack]\nhugepages = 8\n'
                          'bridge = br-file\ngit_base = mirror\n')
        s = settings_mod.load(
            config_path=path,
            environ={'LOCAL_DEVSTACK_BRIDGE': 'br-env',
                     'LOCAL_DEVSTACK_SUBNODE': 'no'},
            overrides={'hugepages': '16'})
        self.assertEqual(16, s.hugepages)
        self.assertEqual('br-env', s.bridge)
        self.assertFalse(s.subnode)
        self.assertTrue(s.uses_mirror)
        self.assertEqual(os.path.join(s.state_dir, 'git'), s.mirror_dir)

    def _error(self, **kwargs):
        return self.assertRaises(LocalDevstackError, settings_mod.load,
                                 **kwargs)

    def test_bad_values_name_the_setting(self):
        cases = [({'hugepages': 'many'}, 'hugepages'),
                 ({'hugepages': '-1'}, 'negative'),
                 ({'subnode': 'maybe'}, 'subnode'),
                 ({'subnet': '10.0.0.0/30'}, 'too small'),
                 ({'subnet': 'nonsense'}, 'subnet'),
                 ({'state_dir': 'relative/dir'}, 'absolute'),
                 ({'extra_localrc': 'NOEQUALS'}, 'KEY=VALUE'),
                 ({'disable_services': 'n-api;rm -rf'}, 'service name'),
                 ({'no_such_setting': 'x'}, 'no_such_setting')]
        for overrides, word in cases:
            e = self._error(environ={}, overrides=overrides)
            self.assertIn(word, str(e))

    def test_unknown_environment_variable(self):
        e = self._error(environ={'LOCAL_DEVSTACK_BRIGDE': 'x'})
        self.assertIn('LOCAL_DEVSTACK_BRIGDE', str(e))

    def test_config_file_errors(self):
        e = self._error(environ={}, config_path='/nonexistent/c.conf')
        self.assertIn('does not exist', str(e))
        path = self.write(os.path.join(self.tmp, 'bad.conf'),
                          '[other]\nx = 1\n')
        e = self._error(environ={}, config_path=path)
        self.assertIn('[local-devstack]', str(e))
        path = self.write(os.path.join(self.tmp, 'typo.conf'),
                          '[local-devstack]\nhugepage = 1\n')
        e = self._error(environ={}, config_path=path)
        self.assertIn("'hugepage'", str(e))

    def test_default_config_read_only_when_named(self):
        path = self.write(os.path.join(self.tmp, 'host.conf'),
                          '[local-devstack]\nhugepages = 8\n')
        self.assertEqual(512, settings_mod.load(environ={}).hugepages)
        self.assertEqual(8, settings_mod.load(
            environ={}, default_config=path).hugepages)
        self.assertEqual(512, settings_mod.load(
            environ={}, default_config=path + '.absent').hugepages)

    def test_extra_localrc_list(self):
        s = self.settings(extra_localrc='A=1, B=two words')
        self.assertEqual(['A=1', 'B=two words'], s.extra_localrc)

    def test_trixie_suite_picks_the_trixie_job(self):
        self.assertEqual('virtiofs-scaphandre-multinode-trixie',
                         self.settings(suite='trixie').job_name)
        self.assertEqual('virtiofs-scaphandre-tempest',
                         self.settings(suite='trixie',
                                       subnode='false').job_name)
        self.assertEqual('mine', self.settings(suite='trixie',
                                               job='mine').job_name)
