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
from virtiofs_scaphandre.local_devstack import changes

PLUGIN_SH = """\
#!/bin/bash
source lib/x
case "$1:${2:-}" in
    stack:pre-install)
        pre_install_x
        ;;
    stack:post-config)
        post_config_x  # nova.conf
        ;;
    stack:test-config)
        test_config_x
        ;;
    unstack:*)
        unstack_x
        ;;
esac
"""

LIB = """\
#!/bin/bash
# lib/x
X_DIR=/opt/x

function helper_shared {
    echo shared
}

function pre_install_x {
    helper_shared
    patch_things
}

function patch_things {
    echo patch
}

function post_config_x {
    write_conf
}

function write_conf {
    iniset a b c
}

function test_config_x {
    iniset tempest x y
}

function unstack_x {
    echo bye
}
"""


def edit(text, old, new):
    assert old in text, old
    return text.replace(old, new)


class TestShellSplit(base.TestCase):

    def test_functions_and_top_level_without_comments(self):
        functions, top = changes.split_shell(LIB)
        self.assertEqual(['    iniset a b c'], functions['write_conf'])
        self.assertEqual(['X_DIR=/opt/x'], top)

    def test_phase_roots_from_the_dispatch(self):
        roots = changes.phase_roots(PLUGIN_SH)
        self.assertEqual({'pre_install_x'}, roots['stack:pre-install'])
        self.assertEqual({'post_config_x'}, roots['stack:post-config'])
        self.assertEqual({'unstack_x'}, roots['unstack:*'])

    def test_the_plugin_of_this_tree_has_its_config_phases(self):
        with open(os.path.join(base.TOP_DIR, 'devstack', 'plugin.sh')) as f:
            roots = changes.phase_roots(f.read())
        for phase in changes.CONFIG_PHASES + changes.INSTALL_PHASES:
            self.assertTrue(roots.get(phase), phase)


class TestDevstackChanges(base.TestCase):

    def classify(self, new_lib=LIB, new_plugin=PLUGIN_SH):
        old = {'devstack/plugin.sh': PLUGIN_SH, 'devstack/lib/x': LIB}
        new = {'devstack/plugin.sh': new_plugin, 'devstack/lib/x': new_lib}
        return changes.devstack_plugin_changes(old, new)

    def test_config_function_reruns_its_phase(self):
        phases, full, idle = self.classify(
            edit(LIB, 'iniset a b c', 'iniset a b d'))
        self.assertEqual((['stack:post-config'], [], []),
                         (phases, full, idle))

    def test_install_function_needs_stack(self):
        phases, full, idle = self.classify(
            edit(LIB, 'echo patch', 'echo patched'))
        self.assertEqual([], phases)
        self.assertEqual(['function patch_things (runs in '
                          'stack:pre-install)'], full)

    def test_comment_only_change_is_nothing(self):
        self.assertEqual(([], [], []), self.classify(
            edit(LIB, '# lib/x', '# lib/x: the x steps')))

    def test_top_level_change_needs_stack(self):
        phases, full, idle = self.classify(
            edit(LIB, 'X_DIR=/opt/x', 'X_DIR=/opt/y'))
        self.assertEqual(['devstack/lib/x changed outside its functions'],
                         full)

    def test_unstack_only_function_changes_nothing_now(self):
        phases, full, idle = self.classify(
            edit(LIB, 'echo bye', 'echo goodbye'))
        self.assertEqual(([], []), (phases, full))
        self.assertEqual(['function unstack_x (unstack:*)'], idle)

    def test_new_function_called_from_test_config(self):
        lib = edit(LIB, 'iniset tempest x y', 'iniset tempest x y\n'
                   '    more_tempest') + \
            'function more_tempest {\n    iniset tempest z 1\n}\n'
        phases, full, _ = self.classify(lib)
        self.assertEqual((['stack:test-config'], []), (phases, full))


class TestPlan(base.TestCase):

    def plan(self, changed, old=None, new=None):
        old = old or {}
        new = new or {}
        every = sorted(set(old) | set(new) | set(changed))
        return changes.plan(changed, every, lambda p: old.get(p, ''),
                            lambda p: new.get(p, ''))

    def test_paths_sorted_by_what_they_need(self):
        p = self.plan(['nova_patches/0010-x.patch', 'tools/nova-patches',
                       'virtiofs_scaphandre_tempest_plugin/api/t.py',
                       'devstack/files/fake-scaphandre-exporter',
                       'devstack/local.conf.sample', 'README.rst',
                       'zuul.d/jobs.yaml'])
        self.assertEqual(['nova_patches/0010-x.patch', 'tools/nova-patches'],
                         p.nova)
        self.assertEqual(['virtiofs_scaphandre_tempest_plugin/api/t.py'],
                         p.tempest_plugin)
        self.assertEqual(['devstack/files/fake-scaphandre-exporter'],
                         p.exporters)
        self.assertEqual(['README.rst', 'devstack/local.conf.sample',
                          'zuul.d/jobs.yaml'], p.unused)
        self.assertFalse(p.empty)

    def test_docs_only_is_empty(self):
        p = self.plan(['doc/source/index.rst'])
        self.assertTrue(p.empty)
        self.assertEqual(['doc/source/index.rst'], p.unused)

    def test_devstack_change_uses_the_whole_plugin(self):
        old = {'devstack/plugin.sh': PLUGIN_SH, 'devstack/lib/x': LIB}
        new = dict(old)
        new['devstack/lib/x'] = edit(LIB, 'iniset tempest x y',
                                     'iniset tempest x z')
        p = self.plan(['devstack/lib/x'], old, new)
        self.assertEqual(['stack:test-config'], p.phases)
        self.assertEqual([], p.needs_stack)


# Two local.confs as the tool wrote them before and after the renderer
# moved to devstack's role format: the same cloud, in another order.
CONF_BEFORE = """\
[[local|localrc]]
disable_all_services
enable_service etcd3
enable_service key
enable_service n-novnc
enable_service n-cpu
disable_service n-novnc
disable_service etcd3
HOST_IP=10.0.0.2
enable_plugin a file:///a
enable_plugin b file:///b

[[post-config|$NOVA_CONF]]
[DEFAULT]
reserved_huge_pages = node:0,size:2048,count:512
"""

CONF_REORDERED = """\
[[local|localrc]]
disable_all_services
enable_service n-cpu
disable_service etcd3
enable_service key
disable_service n-novnc
HOST_IP=10.0.0.2
enable_plugin b file:///b
enable_plugin a file:///a

[[post-config|$NOVA_CONF]]
[DEFAULT]
reserved_huge_pages = node:0,size:2048,count:512
"""


class TestConfDifferences(base.TestCase):

    def test_order_alone_is_no_difference(self):
        self.assertNotEqual(CONF_BEFORE, CONF_REORDERED)
        self.assertEqual([], changes.conf_differences(CONF_BEFORE,
                                                      CONF_REORDERED))

    def test_an_option_value_is_named(self):
        after = CONF_REORDERED.replace('count:512', 'count:256')
        self.assertEqual([
            '-option post-config|$NOVA_CONF|[DEFAULT] reserved_huge_pages '
            '= node:0,size:2048,count:512',
            '+option post-config|$NOVA_CONF|[DEFAULT] reserved_huge_pages '
            '= node:0,size:2048,count:256'],
            changes.conf_differences(CONF_BEFORE, after))

    def test_the_same_option_in_another_ini_section_differs(self):
        after = CONF_BEFORE.replace('[DEFAULT]', '[workarounds]')
        self.assertEqual(2, len(changes.conf_differences(CONF_BEFORE,
                                                         after)))

    def test_services_plugins_and_variables_are_named(self):
        after = (CONF_REORDERED.replace('disable_service n-novnc\n',
                                        'enable_service n-novnc\n')
                 .replace('enable_plugin a file:///a\n', '')
                 .replace('HOST_IP=10.0.0.2', 'HOST_IP=10.0.0.3\nX=1'))
        self.assertEqual(['+service n-novnc', '-plugin a file:///a',
                          'HOST_IP: 10.0.0.2 -> 10.0.0.3',
                          'X: (unset) -> 1'],
                         changes.conf_differences(CONF_BEFORE, after))

    def test_disable_all_services_counts_where_it_stands(self):
        after = CONF_BEFORE + '[[local|localrc]]\ndisable_all_services\n'
        self.assertEqual(['-service key', '-service n-cpu'],
                         changes.conf_differences(CONF_BEFORE, after))

    def test_comma_separated_services(self):
        after = CONF_BEFORE.replace('enable_service key\n',
                                    'enable_service key,g-api\n')
        self.assertEqual(['+service g-api'],
                         changes.conf_differences(CONF_BEFORE, after))
