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

"""Every name a job uses resolves: jobs, nodesets, playbooks, plugins, tests.

Parents and nodesets from other repositories cannot be loaded offline; they
must be in the list of upstream names in tests/zuul/base.py.
"""

import configparser
import os
import re
import unittest

import testtools

from tests.zuul import base

PLUGIN_ENTRY_POINT = 'virtiofs-scaphandre'


def _settings_variables():
    path = os.path.join(base.TOP_DIR, 'devstack', 'settings')
    with open(path) as f:
        text = f.read()
    return text, set(re.findall(r'^\s*(VIRTIOFS_SCAPHANDRE_\w+)=', text,
                                re.MULTILINE))


def _plugin_test_ids():
    """Test ids as tempest loads them: entry point, load_tests, discover."""
    from tempest.test_discover import plugins
    found = plugins.TempestTestPluginManager().get_plugin_load_tests_tuple()
    if PLUGIN_ENTRY_POINT not in found:
        raise AssertionError('tempest finds no plugin %s (found: %s); is '
                             'the project installed?'
                             % (PLUGIN_ENTRY_POINT, ', '.join(found)))
    test_dir, top_dir = found[PLUGIN_ENTRY_POINT]
    suite = unittest.TestLoader().discover(test_dir, top_level_dir=top_dir)
    ids = []

    def walk(item):
        if isinstance(item, unittest.TestSuite):
            for sub in item:
                walk(sub)
        else:
            ids.append(item.id())

    walk(suite)
    failed = [i for i in ids if i.startswith('unittest.loader.')]
    if failed:
        raise AssertionError('the plugin\'s tests do not import: %s'
                             % ', '.join(failed))
    return ids


class TestJobReferences(testtools.TestCase):

    def setUp(self):
        super(TestJobReferences, self).setUp()
        self.stanzas = base.ZuulConfig().load_all()
        self.jobs = {conf['name']: conf for kind, conf, _p in self.stanzas
                     if kind == 'job'}
        self.parsed = {conf['name']: parsed
                       for kind, conf, parsed in self.stanzas
                       if kind == 'job'}

    def _devstack_jobs(self):
        """Our jobs whose chain ends at a devstack/tempest parent."""
        found = {}
        for name in self.jobs:
            chain = [name]
            while chain[-1] in self.jobs:
                chain.append(self.jobs[chain[-1]].get('parent'))
            if chain[-1] in base.DEVSTACK_PARENTS:
                found[name] = self.jobs[name]
        return found

    def test_parents_resolve(self):
        for name, conf in self.jobs.items():
            parent = conf.get('parent')
            self.assertIsNotNone(parent, 'job %s has no parent' % name)
            self.assertTrue(
                parent in self.jobs or parent in base.UPSTREAM_JOBS,
                'job %s: parent %s is neither ours nor a known upstream job'
                % (name, parent))

    def test_parent_chains_end(self):
        for name in self.jobs:
            seen = [name]
            parent = self.jobs[name].get('parent')
            while parent in self.jobs:
                self.assertNotIn(parent, seen,
                                 'job %s: parent loop %s' % (name, seen))
                seen.append(parent)
                parent = self.jobs[parent].get('parent')

    def test_nodesets_are_known(self):
        for name, conf in self.jobs.items():
            if 'nodeset' in conf:
                self.assertIn(conf['nodeset'], base.UPSTREAM_NODESETS,
                              'job %s uses unknown nodeset' % name)

    def test_project_pipelines_name_existing_jobs(self):
        known = set(self.jobs) | base.UPSTREAM_JOBS
        for kind, conf, _p in self.stanzas:
            if kind != 'project':
                continue
            for pipeline in conf:
                if not isinstance(conf[pipeline], dict):
                    continue
                for job in conf[pipeline]['jobs']:
                    name = job if isinstance(job, str) else next(iter(job))
                    self.assertIn(name, known,
                                  '%s pipeline runs unknown job %s'
                                  % (pipeline, name))

    def test_playbooks_exist(self):
        for name, parsed in self.parsed.items():
            playbooks = (list(parsed.pre_run) + list(parsed.run)
                         + list(parsed.post_run) + list(parsed.cleanup_run))
            for playbook in playbooks:
                path = os.path.join(base.TOP_DIR, playbook.path)
                self.assertTrue(os.path.isfile(path),
                                'job %s: playbook %s does not exist'
                                % (name, playbook.path))

    def _chain(self, name):
        chain = [self.jobs[name]]
        while chain[-1].get('parent') in self.jobs:
            chain.append(self.jobs[chain[-1]['parent']])
        return chain

    def _checkouts(self, name):
        """(job-level override-checkout, {project: override}) as frozen."""
        default, refs = None, {}
        for job in reversed(self._chain(name)):
            default = job.get('override-checkout', default)
            for project in job.get('required-projects', []):
                if isinstance(project, dict):
                    refs[project['name']] = project.get('override-checkout')
                else:
                    refs[project] = None
        return default, refs

    def _concrete_devstack_jobs(self):
        return {n: c for n, c in self._devstack_jobs().items()
                if not c.get('abstract')}

    def test_released_nova_jobs_pin_the_series_base_at_job_level(self):
        with open(os.path.join(base.TOP_DIR, 'nova_patches', 'BASE')) as f:
            series_base = f.read().strip()
        released = 0
        for name in self._concrete_devstack_jobs():
            default, refs = self._checkouts(name)
            nova = refs.get('opendev.org/openstack/nova')
            if nova is None:
                continue
            released += 1
            self.assertEqual(series_base, nova,
                             'job %s checks out nova %s, not the series '
                             'base %s' % (name, nova, series_base))
            # One stable branch for everything else, set for the whole job
            # so that the parents' variants and roles follow it too.
            self.assertEqual('stable/2026.2', default,
                             'job %s: no job-level override-checkout' % name)
            self.assertEqual('master', refs.get(base.PROJECT),
                             'job %s would test a stable branch of this '
                             'repository instead of the change' % name)
            others = {p: r for p, r in refs.items()
                      if r and p not in ('opendev.org/openstack/nova',
                                         base.PROJECT)}
            self.assertEqual({}, others,
                             'job %s pins projects one by one' % name)
        self.assertGreaterEqual(released, 3)

    def test_a_job_takes_nova_with_the_feature_from_a_depends_on(self):
        found = []
        for name, conf in self._concrete_devstack_jobs().items():
            default, refs = self._checkouts(name)
            if 'opendev.org/openstack/nova' not in refs or refs[
                    'opendev.org/openstack/nova'] is not None:
                continue
            found.append(name)
            # nova master (plus the Depends-On), devstack master, and the
            # plugin left to detect the feature with its default settings.
            self.assertEqual('master', default, name)
            for chain_job in self._chain(name):
                localrc = chain_job.get('vars', {}).get('devstack_localrc',
                                                        {})
                self.assertNotIn('VIRTIOFS_SCAPHANDRE_APPLY_NOVA_PATCHES',
                                 localrc, name)
            self.assertIs(False, conf.get('voting'), name)
        self.assertEqual(['virtiofs-scaphandre-tempest-nova-master'], found)

    def test_new_devstack_jobs_do_not_vote_and_stay_out_of_gate(self):
        for name in self._concrete_devstack_jobs():
            voting = True
            for job in reversed(self._chain(name)):
                voting = job.get('voting', voting)
            self.assertFalse(voting, 'job %s votes without a record' % name)
        for kind, conf, _p in self.stanzas:
            if kind != 'project':
                continue
            for job in conf['gate']['jobs']:
                job = job if isinstance(job, str) else next(iter(job))
                self.assertNotIn(job, self._devstack_jobs(),
                                 'non-voting job %s in gate' % job)

    def test_abstract_jobs_run_nowhere(self):
        abstract = {n for n, c in self.jobs.items() if c.get('abstract')}
        self.assertNotEqual(set(), abstract)
        for kind, conf, _p in self.stanzas:
            if kind != 'project':
                continue
            for pipeline, stanza in conf.items():
                if not isinstance(stanza, dict):
                    continue
                for job in stanza.get('jobs', []):
                    job = job if isinstance(job, str) else next(iter(job))
                    self.assertNotIn(job, abstract, pipeline)

    def test_devstack_plugin_is_this_project(self):
        text, _names = _settings_variables()
        defined = re.search(r'^define_plugin\s+(\S+)', text, re.MULTILINE)
        self.assertIsNotNone(defined, 'devstack/settings has no '
                             'define_plugin')
        for name, conf in self._devstack_jobs().items():
            plugins = conf.get('vars', {}).get('devstack_plugins')
            if plugins is None:
                continue
            self.assertIn(defined.group(1), plugins,
                          'job %s does not enable devstack plugin %s'
                          % (name, defined.group(1)))
            url = plugins[defined.group(1)]
            self.assertEqual(base.PROJECT, url.split('://', 1)[-1],
                             'job %s: plugin URL %s is not %s'
                             % (name, url, base.PROJECT))

    def test_localrc_names_exist_in_devstack_settings(self):
        # A misspelt VIRTIOFS_SCAPHANDRE_* setting would be ignored silently
        # by devstack.
        _text, names = _settings_variables()
        self.assertNotEqual(set(), names)
        for name, conf in self.jobs.items():
            localrcs = [conf.get('vars', {}).get('devstack_localrc', {})]
            for gvars in conf.get('group-vars', {}).values():
                localrcs.append(gvars.get('devstack_localrc', {}))
            for localrc in localrcs:
                for key in localrc:
                    if key.startswith('VIRTIOFS_SCAPHANDRE_'):
                        self.assertIn(key, names,
                                      'job %s sets %s, which '
                                      'devstack/settings does not define'
                                      % (name, key))

    def test_tempest_plugins_name_this_project(self):
        cfg = configparser.ConfigParser()
        cfg.read(os.path.join(base.TOP_DIR, 'setup.cfg'))
        project_name = cfg['metadata']['name']
        self.assertIn('tempest.test_plugins', cfg['entry_points'])
        for name, conf in self._devstack_jobs().items():
            plugins = conf.get('vars', {}).get('tempest_plugins')
            if plugins is None:
                continue
            self.assertEqual([project_name], plugins,
                             'job %s: tempest_plugins' % name)

    def test_tempest_regex_selects_the_plugin_tests(self):
        ids = _plugin_test_ids()
        self.assertNotEqual([], ids, 'the tempest plugin has no tests')
        for name, conf in self._devstack_jobs().items():
            regex = conf.get('vars', {}).get('tempest_test_regex')
            if regex is None:
                continue
            pattern = re.compile(regex)
            selected = [i for i in ids if pattern.search(i)]
            # Every test of the plugin belongs to the job, and the regex
            # selects nothing else (it is anchored on our package).
            self.assertEqual(sorted(ids), sorted(selected),
                             'job %s: regex %s leaves out tests' % (name,
                                                                    regex))
            self.assertIsNone(
                pattern.search('tempest.api.compute.servers.test_servers.'
                               'ServersTestJSON.test_list_servers'),
                'job %s: regex %s also selects tempest\'s own tests'
                % (name, regex))
