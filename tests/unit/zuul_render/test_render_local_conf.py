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

"""Unit tests of the local.conf renderer on small zuul.d fixtures."""

import io
import json
import os
import textwrap

import fixtures
import testtools

from virtiofs_scaphandre import localconf as rlc
from virtiofs_scaphandre import zuul_jobs

BASE_JOBS = """\
- job:
    name: base-job
    parent: devstack-tempest
    nodeset: openstack-two-node-noble
    required-projects:
      - name: opendev.org/openstack/nova
        override-checkout: 34.0.0
      - name: opendev.org/openstack/devstack
        override-checkout: stable/2026.2
      - name: opendev.org/openstack/requirements
        override-checkout: stable/2026.2
      - opendev.org/openstack/tempest
    vars:
      tempest_plugins:
        - virtiofs-scaphandre
      devstack_plugins:
        virtiofs-scaphandre: https://opendev.org/openstack/virtiofs-scaphandre
      devstack_localrc:
        SHARED: parent
        ONLY_PARENT: kept
        FLAG: true
      devstack_local_conf:
        test-config:
          $TEMPEST_CONFIG:
            virtiofs_scaphandre:
              compute_nodes: 1
    group-vars:
      subnode:
        devstack_localrc:
          SUBNODE_ONLY: yes-please

- job:
    name: child-job
    parent: base-job
    vars:
      devstack_localrc:
        SHARED: child
      devstack_local_conf:
        test-config:
          $TEMPEST_CONFIG:
            virtiofs_scaphandre:
              compute_nodes: 2

- job:
    name: single-job
    parent: devstack-tempest
    nodeset: openstack-single-node-noble
    vars:
      devstack_plugins:
        virtiofs-scaphandre: https://opendev.org/openstack/virtiofs-scaphandre
"""


class RendererTestCase(testtools.TestCase):

    def setUp(self):
        super(RendererTestCase, self).setUp()
        self.zuul_dir = self.useFixture(fixtures.TempDir()).path

    def write(self, text, name='jobs.yaml'):
        with open(os.path.join(self.zuul_dir, name), 'w') as f:
            f.write(textwrap.dedent(text))

    def render(self, job='child-job', role='controller', **kwargs):
        return rlc.render(self.zuul_dir, job, role, **kwargs)

    def assertRenderError(self, fragment, func, *args, **kwargs):
        exc = self.assertRaises(rlc.RenderError, func, *args, **kwargs)
        self.assertIn(fragment, str(exc))
        return exc


class TestInheritance(RendererTestCase):

    def setUp(self):
        super(TestInheritance, self).setUp()
        self.write(BASE_JOBS)

    def test_child_wins_and_parent_keys_stay(self):
        text = self.render()
        self.assertIn('SHARED="child"', text)
        self.assertNotIn('SHARED="parent"', text)
        self.assertIn('ONLY_PARENT="kept"', text)
        self.assertIn('compute_nodes = 2', text)

    def test_booleans_use_devstack_spelling(self):
        self.assertIn('FLAG="True"', self.render())

    def test_group_vars_replace_job_vars_on_the_subnode(self):
        text = self.render(role='subnode',
                           settings={'HOST_IP': '10.0.0.3',
                                     'SERVICE_HOST': '10.0.0.2'})
        self.assertIn('SUBNODE_ONLY="yes-please"', text)
        # Ansible replaces devstack_localrc as a whole for the subnode.
        self.assertNotIn('ONLY_PARENT', text)
        self.assertIn('enable_service n-cpu', text)
        self.assertNotIn('enable_service n-api\n', text)

    def test_controller_ignores_subnode_group_vars(self):
        text = self.render()
        self.assertNotIn('SUBNODE_ONLY', text)
        self.assertIn('enable_service n-api\n', text)
        self.assertIn('disable_all_services', text)

    def test_override_checkout_becomes_branch_settings(self):
        text = self.render()
        self.assertIn('NOVA_BRANCH="34.0.0"', text)
        self.assertIn('REQUIREMENTS_BRANCH="stable/2026.2"', text)
        self.assertNotIn('DEVSTACK_BRANCH', text)
        self.assertNotIn('TEMPEST_BRANCH', text)
        self.assertIn('# The job runs devstack from stable/2026.2:', text)

    def test_plugin_path_replaces_url_and_tempest_plugin_dir(self):
        text = self.render(plugin_path='/srv/vs')
        self.assertIn('enable_plugin virtiofs-scaphandre file:///srv/vs',
                      text)
        self.assertIn('TEMPEST_PLUGINS="/srv/vs"', text)
        default = self.render()
        self.assertIn('enable_plugin virtiofs-scaphandre '
                      'https://opendev.org/openstack/virtiofs-scaphandre',
                      default)
        self.assertIn('TEMPEST_PLUGINS="/opt/stack/virtiofs-scaphandre"',
                      default)

    def test_settings_win_over_the_job(self):
        text = self.render(settings={'SHARED': 'mine', 'GIT_BASE': 'x'})
        self.assertIn('SHARED="mine"', text)
        self.assertIn('GIT_BASE="x"', text)

    def test_conf_overrides_win_over_the_job(self):
        overrides = rlc.parse_conf_overrides(
            ['test-config|$TEMPEST_CONFIG|virtiofs_scaphandre|'
             'compute_nodes=5'])
        text = self.render(conf_overrides=overrides)
        self.assertIn('compute_nodes = 5', text)
        self.assertNotIn('compute_nodes = 2', text)

    def test_plugins_come_after_settings(self):
        lines = self.render().splitlines()
        plugin = lines.index('enable_plugin virtiofs-scaphandre '
                             'https://opendev.org/openstack/'
                             'virtiofs-scaphandre')
        setting = lines.index('SHARED="child"')
        self.assertGreater(plugin, setting)

    def test_show_returns_resolved_variables(self):
        localrc = json.loads(zuul_jobs.show(self.zuul_dir, 'child-job',
                                            'controller', 'devstack_localrc'))
        self.assertEqual('child', localrc['SHARED'])
        self.assertEqual('kept', localrc['ONLY_PARENT'])
        checkouts = json.loads(zuul_jobs.show(self.zuul_dir, 'child-job',
                                              'controller', 'checkouts'))
        self.assertEqual({'default': None,
                          'projects': {'devstack': 'stable/2026.2',
                                       'nova': '34.0.0',
                                       'requirements': 'stable/2026.2'}},
                         checkouts)
        self.assertRenderError('has no variable nope', zuul_jobs.show,
                               self.zuul_dir, 'child-job', 'controller',
                               'nope')

    def test_list_jobs(self):
        self.assertEqual(['base-job', 'child-job', 'single-job'],
                         zuul_jobs.list_jobs(self.zuul_dir))


class TestErrors(RendererTestCase):

    def setUp(self):
        super(TestErrors, self).setUp()
        self.write(BASE_JOBS)

    def test_unknown_job(self):
        exc = self.assertRenderError('job nope is not defined',
                                     self.render, 'nope')
        self.assertIn('child-job', str(exc))

    def test_unknown_role(self):
        self.assertRenderError('role must be one of', self.render,
                               role='compute')

    def test_subnode_needs_addresses(self):
        exc = self.assertRenderError('role subnode needs', self.render,
                                     role='subnode',
                                     settings={'HOST_IP': '10.0.0.3'})
        self.assertIn('SERVICE_HOST', str(exc))
        self.assertNotIn('HOST_IP,', str(exc))

    def test_single_node_job_has_no_subnode(self):
        self.assertRenderError('no subnode role', self.render, 'single-job',
                               'subnode',
                               settings={'HOST_IP': 'a', 'SERVICE_HOST': 'b'})

    def test_unknown_upstream_parent(self):
        self.write('- job:\n    name: x\n    parent: some-other-job\n',
                   'other.yaml')
        self.assertRenderError('upstream parent some-other-job',
                               self.render, 'x')

    def test_parent_loop(self):
        self.write('- job:\n    name: a\n    parent: b\n'
                   '- job:\n    name: b\n    parent: a\n', 'loop.yaml')
        self.assertRenderError('loops', self.render, 'a')

    def test_job_variants_are_refused(self):
        self.write('- job:\n    name: child-job\n    parent: base-job\n',
                   'variant.yaml')
        self.assertRenderError('defined twice', self.render)

    def test_unknown_nodeset(self):
        self.write('- job:\n    name: x\n    parent: devstack-tempest\n'
                   '    nodeset: my-own\n', 'ns.yaml')
        self.assertRenderError('nodeset my-own is unknown', self.render,
                               'x')

    def test_missing_plugin(self):
        self.write('- job:\n    name: x\n    parent: devstack-tempest\n'
                   '    nodeset: openstack-single-node-noble\n', 'np.yaml')
        self.assertRenderError('does not enable the devstack plugin',
                               self.render, 'x')

    def test_ansible_template_needs_an_override(self):
        self.write(textwrap.dedent("""\
            - job:
                name: x
                parent: single-job
                vars:
                  devstack_localrc:
                    HOST_IP: "{{ hostvars['controller'].ip }}"
            """), 'tpl.yaml')
        self.assertRenderError('devstack_localrc.HOST_IP to an Ansible '
                               'template', self.render, 'x')
        text = self.render('x', settings={'HOST_IP': '10.1.1.1'})
        self.assertIn('HOST_IP="10.1.1.1"', text)

    def test_invalid_yaml_names_the_file(self):
        self.write('- job: [\n', 'broken.yaml')
        self.assertRenderError('broken.yaml is not valid YAML', self.render)

    def test_missing_zuul_dir(self):
        self.assertRenderError('does not exist', rlc.render,
                               os.path.join(self.zuul_dir, 'nope'), 'x')


class TestLocalrcOrdering(RendererTestCase):

    def _job(self, localrc):
        lines = ''.join('        %s: "%s"\n' % kv for kv in localrc.items())
        self.write('- job:\n    name: x\n    parent: single-job\n'
                   '    vars:\n      devstack_localrc:\n' + lines, 'x.yaml')
        self.write(BASE_JOBS)

    def test_reference_comes_after_its_target(self):
        self._job({'A_URL': 'http://$Z_HOST:80', 'Z_HOST': 'h'})
        lines = self.render('x').splitlines()
        self.assertLess(lines.index('Z_HOST="h"'),
                        lines.index('A_URL="http://$Z_HOST:80"'))

    def test_reference_loop_is_an_error(self):
        self._job({'A': '$B', 'B': '${A}'})
        self.assertRenderError('in a loop', self.render, 'x')


class TestCommandLine(RendererTestCase):

    def setUp(self):
        super(TestCommandLine, self).setUp()
        self.write(BASE_JOBS)
        self.stderr = self.useFixture(
            fixtures.MonkeyPatch('sys.stderr', io.StringIO())).new_value
        self.stdout = self.useFixture(
            fixtures.MonkeyPatch('sys.stdout', io.StringIO())).new_value

    def main(self, *argv):
        return rlc.main(['--zuul-dir', self.zuul_dir] + list(argv))

    def test_writes_output_file(self):
        out = os.path.join(self.zuul_dir, 'local.conf')
        self.assertEqual(0, self.main('--job', 'child-job', '-o', out))
        with open(out) as f:
            self.assertIn('[[local|localrc]]', f.read())

    def test_errors_exit_2_with_a_message(self):
        self.assertEqual(2, self.main('--job', 'nope'))
        self.assertIn('render-local-conf: job nope is not defined',
                      self.stderr.getvalue())

    def test_bad_set(self):
        self.assertEqual(2, self.main('--job', 'child-job', '--set', '1X=y'))
        self.assertIn('--set expects NAME=VALUE', self.stderr.getvalue())

    def test_bad_conf(self):
        self.assertEqual(2, self.main('--job', 'child-job', '--conf',
                                      'test-config|x=1'))
        self.assertIn('--conf expects PHASE|FILE|SECTION|KEY=VALUE',
                      self.stderr.getvalue())

    def test_relative_plugin_path(self):
        self.assertEqual(2, self.main('--job', 'child-job',
                                      '--plugin-path', 'here'))
        self.assertIn('must be an absolute path', self.stderr.getvalue())

    def test_disable_service(self):
        self.assertEqual(0, self.main('--job', 'child-job',
                                      '--disable-service', 'etcd3',
                                      '--disable-service', 'c-api'))
        text = self.stdout.getvalue()
        self.assertIn('disable_service etcd3\n', text)
        self.assertNotIn('enable_service etcd3\n', text)
        self.assertIn('disable_service c-api\n', text)
