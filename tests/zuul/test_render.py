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

"""The local.conf renderer on the real zuul.d: every job, every role."""

import os
import re
import subprocess
import sys

import testtools
import yaml

from tests.zuul import base

PLUGIN_PATH = '/opt/stack/virtiofs-scaphandre'
with open(os.path.join(base.TOP_DIR, 'nova_patches', 'BASE')) as _f:
    SERIES_BASE = _f.read().strip()


def _run(*args):
    return subprocess.run([sys.executable, '-m', base.RENDERER_MODULE]
                          + list(args),
                          cwd=base.TOP_DIR, capture_output=True, text=True)


def _localrc(text):
    match = re.search(r'^\[\[local\|localrc\]\]\n(.*?)(?=^\[\[|\Z)', text,
                      re.MULTILINE | re.DOTALL)
    return match.group(1) if match else None


class TestRenderJobs(testtools.TestCase):

    def setUp(self):
        super(TestRenderJobs, self).setUp()
        out = _run('--list-jobs')
        self.assertEqual(0, out.returncode, out.stderr)
        self.jobs = out.stdout.split()
        with open(os.path.join(base.ZUUL_DIR, 'jobs.yaml')) as f:
            self.raw = {item['job']['name']: item['job']
                        for item in yaml.safe_load(f) if 'job' in item}

    def _roles(self, job):
        out = _run('--job', job, '--show', 'devstack_services')
        self.assertEqual(0, out.returncode, out.stderr)
        name = job
        while name in self.raw and 'nodeset' not in self.raw[name]:
            name = self.raw[name]['parent']
        if 'two-node' in self.raw[name]['nodeset']:
            return ['controller', 'subnode']
        return ['controller']

    def _render(self, job, role):
        out = _run('--job', job, '--role', role,
                   '--plugin-path', PLUGIN_PATH,
                   '--set', 'HOST_IP=192.0.2.11',
                   '--set', 'SERVICE_HOST=192.0.2.10')
        self.assertEqual(0, out.returncode,
                         '%s/%s: %s' % (job, role, out.stderr))
        return out.stdout

    def test_every_integration_job_renders(self):
        self.assertIn('virtiofs-scaphandre-tempest', self.jobs)
        self.assertIn('virtiofs-scaphandre-multinode', self.jobs)
        self.assertIn('virtiofs-scaphandre-multinode-trixie', self.jobs)

    def test_localrc_is_valid_bash(self):
        for job in self.jobs:
            for role in self._roles(job):
                localrc = _localrc(self._render(job, role))
                self.assertIsNotNone(localrc, '%s/%s: no localrc' % (job,
                                                                     role))
                # Stand-ins for devstack's functions, then source it.
                script = ('function enable_service { :; }\n'
                          'function disable_service { :; }\n'
                          'function disable_all_services { :; }\n'
                          'function enable_plugin { :; }\n'
                          'set -eu\n' + localrc
                          + '\necho "$HOST_IP"\n')
                out = subprocess.run(['bash', '-c', script],
                                     capture_output=True, text=True)
                self.assertEqual(0, out.returncode,
                                 '%s/%s: %s' % (job, role, out.stderr))
                self.assertEqual('192.0.2.11\n', out.stdout)

    def test_job_settings_reach_every_node(self):
        # What zuul.d sets for the share and hugepages must be in the
        # local.conf of the controller and of the subnode.
        localrc = self.raw['virtiofs-scaphandre-tempest-base']['vars'][
            'devstack_localrc']
        for job in self.jobs:
            for role in self._roles(job):
                text = self._render(job, role)
                self.assertIn('enable_plugin virtiofs-scaphandre file://%s'
                              % PLUGIN_PATH, text)
                if job.endswith('-nova-master'):
                    self.assertNotIn('NOVA_BRANCH=', text)
                else:
                    self.assertIn('NOVA_BRANCH="%s"' % SERIES_BASE, text)
                for key, value in localrc.items():
                    if isinstance(value, bool):
                        value = 'True' if value else 'False'
                    self.assertIn('%s="%s"' % (key, value), text,
                                  '%s/%s lacks %s' % (job, role, key))

    def test_subnode_points_at_the_controller(self):
        text = self._render('virtiofs-scaphandre-multinode', 'subnode')
        self.assertIn('SERVICE_HOST="192.0.2.10"', text)
        self.assertIn('enable_service n-cpu', text)
        self.assertNotIn('enable_service n-api\n', text)

    def test_show_regex_matches_the_job(self):
        out = _run('--job', 'virtiofs-scaphandre-multinode-trixie',
                   '--show', 'tempest_test_regex')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(
            '"%s"' % self.raw['virtiofs-scaphandre-tempest-base']['vars'][
                'tempest_test_regex'].replace('\\', '\\\\'),
            out.stdout.strip())

    def test_single_node_job_has_no_subnode(self):
        out = _run('--job', 'virtiofs-scaphandre-tempest', '--role',
                   'subnode', '--set', 'HOST_IP=x', '--set', 'SERVICE_HOST=y')
        self.assertEqual(2, out.returncode)
        self.assertIn('no subnode role', out.stderr)
