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

"""local.conf as devstack's write-devstack-local-conf role writes it.

The comparison with the role's own module needs a devstack tree
(render-local-conf --compare-with-devstack, and every local cloud's up);
these tests pin the layout and the arguments handed to the module.
"""

import io
import os

import fixtures

from tests.unit.zuul_render import test_render_local_conf as base
from virtiofs_scaphandre import devstack_role
from virtiofs_scaphandre import localconf as rlc

JOB = """\
- job:
    name: small
    parent: devstack-tempest
    nodeset: openstack-single-node-noble
    vars:
      devstack_plugins:
        virtiofs-scaphandre: https://opendev.org/openstack/virtiofs-scaphandre
      devstack_services:
        tempest: false
      devstack_localrc:
        B_URL: http://$A_HOST/
        A_HOST: h
      devstack_local_conf:
        post-config:
          $NOVA_CONF:
            DEFAULT:
              x: 1
            libvirt:
              y: true
        test-config:
          $TEMPEST_CONFIG:
            compute:
              z: 2
"""


class TestRoleFormat(base.RendererTestCase):

    def setUp(self):
        super(TestRoleFormat, self).setUp()
        self.write(JOB)

    def conf(self):
        return rlc.build(self.zuul_dir, 'small', settings={
            'ADMIN_PASSWORD': 'p'})

    def test_services_keep_the_order_of_the_job_vars(self):
        # The role walks the dict; sorting them was ours alone.
        lines = self.conf().role_text().splitlines()
        services = [line.split()[1] for line in lines
                    if line.startswith(('enable_service',
                                        'disable_service'))]
        self.assertEqual(['mysql', 'rabbit', 'etcd3', 'key'], services[:4])
        self.assertEqual('tempest', services[-1])
        self.assertEqual('disable_all_services', lines[1])

    def test_a_setting_given_twice_is_written_once(self):
        conf = self.conf()
        conf.set('A_HOST', 'first')
        conf.set('A_HOST', 'second')
        text = conf.role_text()
        self.assertEqual(1, text.count('A_HOST='))
        self.assertIn('A_HOST="second"', text)

    def test_layout(self):
        text = self.conf().role_text()
        localrc, _, meta = text.partition('\n\n')
        self.assertTrue(localrc.startswith('[[local|localrc]]\n'))
        self.assertLess(localrc.index('A_HOST="h"'),
                        localrc.index('B_URL="http://$A_HOST/"'))
        self.assertEqual('enable_plugin virtiofs-scaphandre https://opendev'
                         '.org/openstack/virtiofs-scaphandre',
                         localrc.splitlines()[-1])
        # A blank line between the sections of a file, none between files.
        self.assertEqual('[[post-config|$NOVA_CONF]]\n[DEFAULT]\nx = 1\n\n'
                         '[libvirt]\ny = True\n'
                         '[[test-config|$TEMPEST_CONFIG]]\n[compute]\n'
                         'z = 2\n', meta)

    def test_text_is_the_header_and_the_role_text(self):
        conf = self.conf()
        header, sep, rest = conf.text().partition('[[local|localrc]]')
        self.assertTrue(all(line.startswith('# ')
                            for line in header.splitlines()))
        self.assertEqual(conf.role_text(), sep + rest)

    def test_role_arguments(self):
        args = self.conf().role_args()
        self.assertEqual({'localrc', 'localconf', 'base_services',
                          'services', 'plugins', 'base_dir', 'projects',
                          'project', 'tempest_plugins'}, set(args))
        self.assertIs(False, args['services']['base'])
        self.assertEqual('http://$A_HOST/', args['localrc']['B_URL'])
        self.assertEqual({'virtiofs-scaphandre': 'https://opendev.org/'
                          'openstack/virtiofs-scaphandre'}, args['plugins'])
        self.assertEqual('1', args['localconf']['post-config'][
            '$NOVA_CONF']['DEFAULT']['x'])

    def test_base_services_cannot_be_rendered_offline(self):
        self.write(JOB.replace('tempest: false', 'base: true'))
        self.assertRenderError('base services', rlc.build, self.zuul_dir,
                               'small')


class TestCompareAll(base.RendererTestCase):

    def test_a_module_writing_another_text_is_reported(self):
        self.write(JOB)
        devstack = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(devstack, devstack_role.MODULE)
        os.makedirs(os.path.dirname(path))
        with open(path, 'w') as f:
            f.write('class LocalConf(object):\n'
                    '    def __init__(self, **kwargs):\n'
                    '        self.services = kwargs["services"]\n'
                    '    def write(self, path):\n'
                    '        with open(path, "w") as f:\n'
                    '            f.write("[[local|localrc]]\\n")\n')
        out = io.StringIO()
        self.assertEqual(1, devstack_role.compare_all(self.zuul_dir,
                                                      devstack, out))
        self.assertIn('small', out.getvalue())
        self.assertIn('differs', out.getvalue())
        self.assertIn('+disable_all_services', out.getvalue())
