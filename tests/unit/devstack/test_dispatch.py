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

"""plugin.sh dispatches; the plugin keeps to its part of the namespace."""

import os
import re

import testtools

from tests.unit.devstack import base

PHASES = {
    'stack pre-install': 'virtiofs_scaphandre_stack_pre_install',
    'stack install': 'virtiofs_scaphandre_stack_install',
    'stack post-config': 'virtiofs_scaphandre_stack_post_config',
    'stack extra': 'virtiofs_scaphandre_stack_extra',
    'stack test-config': 'virtiofs_scaphandre_stack_test_config',
    'unstack': 'virtiofs_scaphandre_unstack',
    'clean': 'virtiofs_scaphandre_clean',
}


def sourced_files():
    """What devstack sources of ours: plugin.sh, settings, lib/*."""
    files = [os.path.join(base.DEVSTACK_DIR, 'plugin.sh'),
             os.path.join(base.DEVSTACK_DIR, 'settings')]
    lib = os.path.join(base.DEVSTACK_DIR, 'lib')
    files += sorted(os.path.join(lib, n) for n in os.listdir(lib))
    return files


class TestDispatch(base.DevstackPluginTestCase):

    def test_each_phase_calls_its_function(self):
        # Replace every phase function after plugin.sh sourced the libs.
        script = (
            'function source_plugin { source %s/plugin.sh "$@"; }\n'
            'function _stub_phases {\n' % base.DEVSTACK_DIR)
        for fn in PHASES.values():
            script += '  function %s { _fake_record phase %s; }\n' % (fn, fn)
        script += '}\n'
        for args in PHASES:
            script += ('source() { builtin source "$@"; '
                       '[[ $1 == */lib/virtiofs-scaphandre ]] && _stub_phases;'
                       ' return 0; }\n'
                       'source_plugin %s\nunset -f source\n' % args)
        script += 'source_plugin stack unknown-phase\n'
        r = self.run_bash(script)
        self.assertOK(r)
        self.assertEqual([[fn] for fn in PHASES.values()], r.called('phase'))

    def test_the_tests_source_the_libs_as_plugin_sh_does(self):
        with open(os.path.join(base.DEVSTACK_DIR, 'plugin.sh')) as f:
            sourced = re.findall(r'^source "\$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR'
                                 r'/lib/([\w-]+)"$', f.read(), re.M)
        self.assertEqual(list(base.LIBS), sourced)
        self.assertEqual(sorted(sourced), sorted(os.listdir(os.path.join(
            base.DEVSTACK_DIR, 'lib'))))


class TestNamespace(testtools.TestCase):
    """devstack sources every plugin into one shell."""

    def test_every_function_carries_the_plugin_name(self):
        found = []
        for path in sourced_files():
            with open(path) as f:
                for name in re.findall(r'^\s*function\s+([\w-]+)', f.read(),
                                       re.M):
                    found.append(name)
                    self.assertRegex(
                        name, r'^_?virtiofs_scaphandre_',
                        '%s defines %s, outside the plugin\'s prefix'
                        % (os.path.relpath(path, base.TOP_DIR), name))
        self.assertGreater(len(found), 40)

    def test_every_global_variable_carries_the_plugin_name(self):
        for path in sourced_files():
            with open(path) as f:
                for line in f:
                    match = re.match(r'^([A-Za-z_]\w*)=', line)
                    if match and match.group(1) != 'NOVA_FILTERS':
                        self.assertRegex(
                            match.group(1), r'^(_?VIRTIOFS_SCAPHANDRE|'
                            r'_XTRACE_VIRTIOFS_SCAPHANDRE)',
                            '%s: %s' % (os.path.relpath(path, base.TOP_DIR),
                                        line.strip()))

    def test_no_file_over_400_lines(self):
        for path in sourced_files():
            with open(path) as f:
                self.assertLessEqual(len(f.readlines()), 400, path)
