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
from virtiofs_scaphandre import devstack_role
from virtiofs_scaphandre.local_devstack.container import Container
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import stacking


class TestNodeSettings(base.TestCase):

    def nodes(self, s):
        return (Container(s, None, 'lds-controller', 0),
                Container(s, None, 'lds-subnode', 1))

    def test_controller(self):
        s = self.settings()
        ctl, _ = self.nodes(s)
        values = dict(localconf.node_settings(s, 'controller', ctl, ctl))
        self.assertEqual('10.213.0.10', values['HOST_IP'])
        self.assertEqual('10.213.0.10', values['SERVICE_HOST'])
        self.assertEqual('netdev', values['OVS_DATAPATH_TYPE'])
        # haproxy (OVN metadata) needs more than devstack's 2048.
        self.assertGreater(int(values['ULIMIT_NOFILE']), 2065)
        self.assertEqual('https://opendev.org', values['GIT_BASE'])
        self.assertNotIn('MYSQL_HOST', values)
        self.assertNotIn('IMAGE_URLS', values)

    def test_subnode_points_at_controller(self):
        s = self.settings(subnet='192.168.77.0/24')
        ctl, sub = self.nodes(s)
        values = dict(localconf.node_settings(s, 'subnode', sub, ctl))
        # The renderer wires the subnode from the multinode job.
        self.assertNotIn('MYSQL_HOST', values)
        self.assertEqual('192.168.77.10', values['SERVICE_HOST'])
        values = dict(localconf.node_settings(s, 'subnode', sub, ctl,
                                              wiring=True))
        self.assertEqual('192.168.77.11', values['HOST_IP'])
        for key in ('SERVICE_HOST', 'MYSQL_HOST', 'RABBIT_HOST'):
            self.assertEqual('192.168.77.10', values[key])
        self.assertEqual('192.168.77.10:9292', values['GLANCE_HOSTPORT'])

    def test_offline_sources(self):
        s = self.settings(git_base='mirror', image='/srv/img/guest.qcow2',
                          upper_constraints='/srv/uc.txt',
                          extra_localrc='FOO=bar')
        ctl, _ = self.nodes(s)
        values = localconf.node_settings(s, 'controller', ctl, ctl)
        d = dict(values)
        self.assertEqual('file:///opt/git', d['GIT_BASE'])
        self.assertEqual('False', d['DOWNLOAD_DEFAULT_IMAGES'])
        self.assertEqual(
            'file:///opt/stack/local-devstack/images/guest.qcow2',
            d['IMAGE_URLS'])
        self.assertEqual(localconf.UPPER_CONSTRAINTS_DEST,
                         d['TEMPEST_VENV_UPPER_CONSTRAINTS'])
        self.assertEqual(('FOO', 'bar'), values[-1])


class TestRender(base.TestCase):
    """The Zuul jobs of this tree, through the renderer library."""

    def render(self, role='controller', values=(), **settings):
        s = self.settings(**settings)
        return localconf.render(s, Runner(), role, list(values),
                                base.TOP_DIR)

    def test_job_role_plugin_and_settings(self):
        conf = self.render('subnode', [('HOST_IP', '10.0.0.3'),
                                       ('SERVICE_HOST', '10.0.0.2'),
                                       ('A', 'b c')])
        text = conf.text()
        self.assertIn('job virtiofs-scaphandre-multinode, role subnode',
                      text)
        self.assertIn('HOST_IP="10.0.0.3"\n', text)
        self.assertEqual('b c', conf.value('A'))
        self.assertIn('enable_plugin virtiofs-scaphandre file://%s\n' %
                      localconf.PLUGIN_DEST, text)

    def test_no_plugin_drops_only_our_enable_plugin(self):
        conf = self.render(plugin='false')
        conf.add_plugin('virtiofs-scaphandre-extra', 'https://example.org/x')
        text = conf.text()
        self.assertNotIn('enable_plugin virtiofs-scaphandre ', text)
        self.assertIn('enable_plugin virtiofs-scaphandre-extra', text)

    def test_uec_image_relaxes_image_inspection(self):
        text = self.render(image='/x/g-uec.tar.gz').text()
        self.assertIn('[workarounds]\ndisable_deep_image_inspection = '
                      'True\n', text)
        conf = self.write(os.path.join(self.tmp, 'local.conf'),
                          '[[local|localrc]]\nA=1\n')
        text = self.render(local_conf=conf, image='/x/g-uec.tar.gz').text()
        self.assertIn('[[post-config|$NOVA_CONF]]\n[workarounds]\n'
                      'disable_deep_image_inspection = True\n', text)

    def test_each_compute_offers_only_its_share_of_the_pool(self):
        text = self.render('subnode', [('HOST_IP', '10.0.0.3'),
                                       ('SERVICE_HOST', '10.0.0.2')],
                           hugepages=512).text()
        section = text[text.index('[[post-config|$NOVA_CONF]]'):]
        self.assertIn('[DEFAULT]\nreserved_huge_pages = '
                      'node:0,size:2048,count:256\n', section)
        self.assertEqual(0, localconf.reserved_hugepages(
            self.settings(subnode='false')))
        self.assertEqual(3, localconf.reserved_hugepages(
            self.settings(hugepages=5)))

    def test_default_job_follows_subnode_and_suite(self):
        self.assertIn('job virtiofs-scaphandre-multinode, role controller',
                      self.render().text())
        self.assertIn('job virtiofs-scaphandre-tempest,',
                      self.render(subnode='false').text())
        self.assertIn('job virtiofs-scaphandre-multinode-trixie,',
                      self.render(suite='trixie').text())

    def test_offline_disables_services_without_sources(self):
        conf = self.render(git_base='mirror', disable_services='c-api')
        for name in ('c-api', 'n-novnc', 'etcd3'):
            self.assertIs(False, conf.services[name])
        self.assertIn('disable_service etcd3\n', conf.text())
        self.assertNotIn('enable_service etcd3\n', conf.text())

    def test_unknown_job_names_it(self):
        e = self.assertRaises(LocalDevstackError, self.render, job='nope')
        self.assertIn('job nope', str(e))
        self.assertIn('local_conf', str(e))

    def test_subnode_without_addresses(self):
        e = self.assertRaises(LocalDevstackError, self.render, 'subnode')
        self.assertIn('HOST_IP', str(e))

    def test_hand_written_files(self):
        conf = self.write(os.path.join(self.tmp, 'local.conf'),
                          '[[local|localrc]]\nHOST_IP=1.1.1.1\n\n'
                          '[[post-config|$NOVA_CONF]]\n[DEFAULT]\nx=1\n')
        self.write(os.path.join(self.tmp, 'local.subnode.conf'),
                   '[[local|localrc]]\nENABLED_SERVICES=n-cpu\n')
        s = self.settings(local_conf=conf)
        text = localconf.render(s, Runner(), 'controller',
                                [('HOST_IP', '10.0.0.1')],
                                base.TOP_DIR).text()
        lines = text.splitlines()
        self.assertEqual(lines.index('HOST_IP=1.1.1.1') + 1,
                         lines.index('HOST_IP=10.0.0.1'))
        self.assertLess(lines.index('HOST_IP=10.0.0.1'),
                        lines.index('[[post-config|$NOVA_CONF]]'))
        text = localconf.render(s, Runner(), 'subnode',
                                [('HOST_IP', '10.0.0.2')],
                                base.TOP_DIR).text()
        self.assertIn('ENABLED_SERVICES=n-cpu\nHOST_IP=10.0.0.2', text)

    def test_hand_written_missing_subnode_file(self):
        conf = self.write(os.path.join(self.tmp, 'local.conf'),
                          '[[local|localrc]]\n')
        s = self.settings(local_conf=conf)
        e = self.assertRaises(LocalDevstackError, localconf.render, s,
                              Runner(), 'subnode', [], base.TOP_DIR)
        self.assertIn('local.subnode.conf', str(e))

    def test_add_localrc_without_section(self):
        text = localconf.add_localrc('[[post-config|x]]\n[a]\nb=1\n',
                                     [('K', 'v')])
        self.assertTrue(text.startswith('[[local|localrc]]\nK=v\n'))


class TestLocalrcValue(base.TestCase):

    def test_last_localrc_value_wins_and_quotes_go(self):
        text = ('[[local|localrc]]\nKEY=first\nKEY="/a b"\n'
                '[[post-config|$NOVA_CONF]]\n[x]\nKEY=other\n')
        self.assertEqual('/a b', localconf.localrc_value(text, 'KEY'))

    def test_absent(self):
        self.assertIsNone(localconf.localrc_value(
            '[[local|localrc]]\nOTHER=1\n', 'KEY'))


# A stand-in for devstack's write-devstack-local-conf module: the tests
# cannot read a devstack tree. It writes what it is given, in a fixed
# order of its own.
ROLE_MODULE_DOUBLE = '''
class LocalConf(object):
    def __init__(self, localrc, localconf, base_services, services,
                 plugins, base_dir, projects, project, tempest_plugins):
        self.lines = ['%s=%s' % kv for kv in sorted(localrc.items())]
    def write(self, path):
        with open(path, 'w') as f:
            f.write('\\n'.join(self.lines))
'''


class TestCheckWithDevstack(base.TestCase):

    def conf(self):
        return localconf.render(self.settings(), Runner(), 'controller',
                                [('HOST_IP', '10.213.0.10')], base.TOP_DIR)

    def devstack(self, module_text):
        top = os.path.join(self.tmp, 'devstack')
        self.write(os.path.join(top, devstack_role.MODULE), module_text)
        return top

    def test_a_different_text_from_devstack_stops_up(self):
        e = self.assertRaises(LocalDevstackError,
                              stacking.check_with_devstack, self.conf(),
                              self.devstack(ROLE_MODULE_DOUBLE),
                              'lds-controller')
        self.assertIn("devstack's write-devstack-local-conf", str(e))
        self.assertIn('+[[local|localrc]]', str(e))
        self.assertIn('-HOST_IP=10.213.0.10', str(e))

    def test_the_same_text_passes(self):
        conf = self.conf()
        echo = ('class LocalConf(object):\n'
                '    def __init__(self, **kwargs):\n'
                '        pass\n'
                '    def write(self, path):\n'
                '        with open(path, "w") as f:\n'
                '            f.write(%r)\n' % conf.role_text())
        stacking.check_with_devstack(conf, self.devstack(echo),
                                     'lds-controller')

    def test_no_devstack_module_is_named(self):
        e = self.assertRaises(LocalDevstackError,
                              stacking.check_with_devstack, self.conf(),
                              self.tmp, 'lds-controller')
        self.assertIn('not a devstack tree', str(e))

    def test_hand_written_files_are_taken_as_they_are(self):
        stacking.check_with_devstack(localconf.HandWritten('A=1\n'),
                                     self.tmp, 'lds-controller')
