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

"""Which changes start the 2-3 hour devstack jobs, by Zuul's own matcher."""

import os
import subprocess
import types

import testtools

from tests.zuul import base

# Changes that touch nothing a devstack job runs.
IRRELEVANT = [
    'virtiofs_scaphandre/local_devstack/cli.py',
    'virtiofs_scaphandre/local_devstack/files/ovnmeta-checksums',
    'tools/local-devstack',
    'virtiofs_scaphandre/localconf.py',
    'virtiofs_scaphandre/zuul_jobs.py',
    'virtiofs_scaphandre/devstack_role.py',
    'tools/render-local-conf',
    'virtiofs_scaphandre/e2e/main.py',
    'tools/e2e-check',
    'tools/bench-e2e',
    'tools/guest/ssh-image',
    'playbooks/dev-vm.yaml',
    'playbooks/dev-vm/inventory.example',
    'tests/unit/devstack/test_settings.py',
    'tests/zuul/test_files.py',
    'doc/source/install/devstack-plugin.rst',
    'releasenotes/notes/x-0123456789abcdef.yaml',
    'README.rst',
    'tox.ini',
    'upper-constraints.txt',
    'bindep.txt',
    '.ci/run',
]
# What they do run: each of these must start them.
RELEVANT = [
    'devstack/plugin.sh',
    'devstack/settings',
    'devstack/lib/hugepages',
    'devstack/files/fake-scaphandre-exporter',
    'etc/glance/metadefs/compute-power-metrics.json',
    'nova_patches/0002-objects-Add-hw_power_metrics-image-property.patch',
    'nova_patches/BASE',
    'tools/nova-patches',
    'tools/hugepages',
    'tools/lib/devstack-shim',
    'virtiofs_scaphandre_tempest_plugin/api/base.py',
    'playbooks/virtiofs-scaphandre/pre.yaml',
    'playbooks/virtiofs-scaphandre/tasks/reserve-hugepages.yaml',
    'zuul.d/jobs.yaml',
    'setup.cfg',
    'requirements.txt',
]


def git_files():
    out = subprocess.run(['git', 'ls-files'], cwd=base.TOP_DIR,
                         capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 else []


class TestIrrelevantFiles(testtools.TestCase):

    def setUp(self):
        super(TestIrrelevantFiles, self).setUp()
        stanzas = base.ZuulConfig().load_all()
        self.conf = {c['name']: c for k, c, _p in stanzas if k == 'job'}
        self.parsed = {c['name']: p for k, c, p in stanzas if k == 'job'}

    def devstack_jobs(self):
        names = []
        for name in self.conf:
            chain = [name]
            while chain[-1] in self.conf:
                chain.append(self.conf[chain[-1]].get('parent'))
            if chain[-1] in base.DEVSTACK_PARENTS and not self.conf[name].get(
                    'abstract'):
                names.append(name)
        self.assertGreaterEqual(len(names), 4)
        return names

    def runs(self, job, files):
        """Whether Zuul would run job for a change touching files."""
        name = job
        # irrelevant-files is inherited; the nearest definition wins.
        while 'irrelevant-files' not in self.conf[name]:
            name = self.conf[name]['parent']
            self.assertIn(name, self.conf, 'job %s has no irrelevant-files'
                          % job)
        change = types.SimpleNamespace(files=list(files))
        return self.parsed[name].changeMatchesFiles(change)

    def test_local_tooling_docs_and_tests_start_no_devstack_job(self):
        for job in self.devstack_jobs():
            for path in IRRELEVANT:
                self.assertFalse(self.runs(job, [path]),
                                 '%s starts %s' % (path, job))
            self.assertFalse(self.runs(job, IRRELEVANT), job)

    def test_what_the_jobs_run_starts_them(self):
        for job in self.devstack_jobs():
            for path in RELEVANT:
                self.assertTrue(self.runs(job, [path]),
                                '%s does not start %s' % (path, job))
            # One relevant file among irrelevant ones is enough.
            self.assertTrue(self.runs(job, IRRELEVANT + [RELEVANT[0]]), job)

    def test_the_lists_name_real_files(self):
        tracked = set(git_files())
        if not tracked:
            # Not a git checkout (an sdist): nothing to compare with.
            return
        for path in IRRELEVANT + RELEVANT:
            if path.startswith(('releasenotes/notes/x-', 'doc/')):
                continue
            self.assertIn(path, tracked)

    def test_every_tracked_file_is_classified_on_purpose(self):
        # A new top-level directory or tool must be placed on one side.
        job = self.devstack_jobs()[0]
        relevant_roots = {'devstack', 'etc', 'nova_patches', 'playbooks',
                          'virtiofs_scaphandre_tempest_plugin', 'zuul.d',
                          'tools', 'virtiofs_scaphandre', 'setup.cfg',
                          'setup.py', 'requirements.txt'}
        for path in git_files():
            if self.runs(job, [path]):
                root = path.split('/')[0]
                self.assertIn(root, relevant_roots,
                              '%s starts the devstack jobs' % path)
        self.assertTrue(os.path.isdir(base.ZUUL_DIR))
