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

"""zuul.d against Zuul's own YAML loader and configuration schema."""

import testtools
import voluptuous

from tests.zuul import base


class TestZuulSchema(testtools.TestCase):

    def setUp(self):
        super(TestZuulSchema, self).setUp()
        self.config = base.ZuulConfig()

    def test_every_file_parses_with_zuul(self):
        files = base.zuul_files()
        self.assertNotEqual([], files, 'zuul.d has no YAML files')
        for path in files:
            try:
                stanzas = self.config.load(path)
            except Exception as exc:
                self.fail('%s does not load with Zuul: %s' % (path, exc))
            self.assertNotEqual([], stanzas, '%s defines nothing' % path)

    def test_one_project_stanza_with_check_and_gate(self):
        projects = [conf for kind, conf, _p in self.config.load_all()
                    if kind == 'project']
        self.assertEqual(1, len(projects))
        for pipeline in ('check', 'gate'):
            self.assertIn(pipeline, projects[0])
            self.assertNotEqual([], projects[0][pipeline].get('jobs', []))

    def test_no_job_variants(self):
        # tools/render-local-conf resolves a job by name; two stanzas with
        # one name would be Zuul variants that it cannot choose between.
        names = [conf['name'] for kind, conf, _p in self.config.load_all()
                 if kind == 'job']
        self.assertEqual(sorted(set(names)), sorted(names))


class TestZuulSchemaCatchesErrors(testtools.TestCase):
    """The loader used above rejects what Zuul would reject."""

    def setUp(self):
        super(TestZuulSchemaCatchesErrors, self).setUp()
        self.config = base.ZuulConfig()
        with open(base.zuul_files()[0]) as f:
            self.text = f.read()

    def _load(self, text):
        return self.config.load(base.zuul_files()[0], text)

    def test_unknown_job_attribute(self):
        text = self.text.replace('    parent:', '    parnet:', 1)
        self.assertRaises(voluptuous.Invalid, self._load, text)

    def test_bad_variable_name(self):
        text = self.text.replace('      tox_envlist:', '      tox-envlist:',
                                 1)
        self.assertNotEqual(self.text, text)
        self.assertRaises(voluptuous.Invalid, self._load, text)

    def test_duplicate_key(self):
        from zuul import exceptions
        text = self.text.replace('    timeout: ',
                                 '    timeout: 1\n    timeout: ', 1)
        self.assertNotEqual(self.text, text)
        self.assertRaises(exceptions.YAMLDuplicateKeyError, self._load, text)

    def test_unknown_stanza(self):
        self.assertRaises(ValueError, self._load, '- jobb:\n    name: x\n')
