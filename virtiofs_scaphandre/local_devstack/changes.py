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

"""What a change to the working tree means for a running cloud.

refresh compares the tree copied into the nodes with the working tree and
sorts every changed file into what makes it live:

- the nova series (nova_patches/, tools/nova-patches): re-apply it to a
  clean nova tree and restart nova;
- the tempest plugin's package: reinstall it in tempest's venv;
- the devstack plugin: function by function, the devstack phases that
  call a changed function (directly or not) decide. A function reached
  only from post-config, extra or test-config is re-run in those phases;
  one reached from pre-install or install, or a change outside any
  function (settings, plugin.sh's dispatch), needs a full stack.sh;
  functions only unstack or clean use change nothing now;
- everything else (docs, tests, Zuul, this tool) is not used by a running
  cloud.
"""

import re

NOVA_PATHS = ('nova_patches/', 'tools/nova-patches')
TEMPEST_PLUGIN_PATHS = ('virtiofs_scaphandre_tempest_plugin/', 'setup.cfg',
                        'setup.py', 'requirements.txt')
DEVSTACK_DIR = 'devstack/'
DEVSTACK_FILES = 'devstack/files/'
DEVSTACK_IGNORED = re.compile(r'^devstack/local\.conf.*\.sample$')
CONFIG_PHASES = ('stack:post-config', 'stack:extra', 'stack:test-config')
INSTALL_PHASES = ('stack:pre-install', 'stack:install')

FUNCTION_START = re.compile(
    r'^(?:function\s+([A-Za-z_][A-Za-z0-9_:-]*)\s*(?:\(\))?|'
    r'([A-Za-z_][A-Za-z0-9_:-]*)\s*\(\))\s*\{\s*$')
CASE_LABEL = re.compile(r'^\s*"?([a-z-]+):([a-z*-]+)"?\)\s*$')
WORD = re.compile(r'[A-Za-z_][A-Za-z0-9_:-]*')


def _meaningful(lines):
    """Lines without comments and blanks: what the shell executes."""
    return [line.rstrip() for line in lines
            if line.strip() and not line.lstrip().startswith('#')]


def split_shell(text):
    """({function: body lines}, top-level lines) of a shell file.

    Functions start at column 0 and end at a column-0 '}', the style of
    devstack and of this plugin.
    """
    functions = {}
    top = []
    current = None
    for line in text.splitlines():
        if current is None:
            match = FUNCTION_START.match(line)
            if match:
                current = match.group(1) or match.group(2)
                functions[current] = []
            else:
                top.append(line)
        elif line.rstrip() == '}':
            current = None
        else:
            functions[current].append(line)
    return ({name: _meaningful(body) for name, body in functions.items()},
            _meaningful(top))


def phase_roots(plugin_sh):
    """{'stack:post-config': {functions it calls}, ...} from plugin.sh."""
    roots = {}
    label = None
    for line in plugin_sh.splitlines():
        match = CASE_LABEL.match(line)
        if match:
            label = '%s:%s' % match.groups()
            roots.setdefault(label, set())
            continue
        if label and line.strip() == ';;':
            label = None
        elif label:
            roots[label].update(WORD.findall(line.split('#')[0]))
    return roots


def _reached(functions, roots):
    seen = set()
    todo = [r for r in roots if r in functions]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for word in WORD.findall(' '.join(functions[name])):
            if word in functions and word not in seen:
                todo.append(word)
    return seen


def plugin_functions(files):
    """Names of the functions the plugin's shell files define.

    files: {relative path: text}; only the plugin's shell files count.
    """
    names = set()
    for path, text in files.items():
        if is_plugin_shell(path):
            names.update(split_shell(text)[0])
    return names


def devstack_plugin_changes(old_files, new_files):
    """Sort changes of the devstack plugin's shell files.

    old_files, new_files: {relative path: text} of the plugin's shell
    files (devstack/plugin.sh, devstack/settings, devstack/lib/*).
    Returns (phases to re-run, reasons a full stack.sh is needed,
    changes that do not matter now), each a sorted list.
    """
    old_funcs, new_funcs = {}, {}
    top_changed = []
    for path in sorted(set(old_files) | set(new_files)):
        old_f, old_top = split_shell(old_files.get(path, ''))
        new_f, new_top = split_shell(new_files.get(path, ''))
        old_funcs.update(old_f)
        new_funcs.update(new_f)
        if old_top != new_top:
            top_changed.append(path)
    changed = sorted(n for n in set(old_funcs) | set(new_funcs)
                     if old_funcs.get(n) != new_funcs.get(n))
    roots_old = phase_roots(old_files.get('devstack/plugin.sh', ''))
    roots_new = phase_roots(new_files.get('devstack/plugin.sh', ''))
    reach = {}
    for roots, funcs in ((roots_old, old_funcs), (roots_new, new_funcs)):
        for phase, names in roots.items():
            reach.setdefault(phase, set()).update(_reached(funcs, names))
    rerun, full, idle = set(), [], []
    for path in top_changed:
        full.append('%s changed outside its functions' % path)
    for name in changed:
        phases = sorted(p for p, names in reach.items() if name in names)
        install = [p for p in phases if p in INSTALL_PHASES]
        if install:
            full.append('function %s (runs in %s)' % (
                name, ', '.join(install)))
        elif any(p in CONFIG_PHASES for p in phases):
            rerun.update(p for p in phases if p in CONFIG_PHASES)
        else:
            idle.append('function %s (%s)' % (
                name, ', '.join(phases) or 'not called by any phase'))
    return sorted(rerun, key=CONFIG_PHASES.index), full, idle


class Plan(object):
    """What refresh does for a set of changed paths."""

    def __init__(self):
        self.nova = []
        self.tempest_plugin = []
        self.exporters = []
        self.phases = []
        self.needs_stack = []
        self.unused = []
        self.devstack_idle = []

    @property
    def empty(self):
        return not (self.nova or self.tempest_plugin or self.exporters or
                    self.phases)


def is_plugin_shell(path):
    return (path.startswith(DEVSTACK_DIR) and
            not path.startswith(DEVSTACK_FILES) and
            not DEVSTACK_IGNORED.match(path))


def plan(changed_paths, all_paths, old_text, new_text):
    """A Plan for changed_paths.

    all_paths: every path of the old and new trees (a call graph crosses
    the plugin's files); old_text(path), new_text(path): a file's text,
    '' where it does not exist.
    """
    result = Plan()
    shell_paths = []
    for path in sorted(changed_paths):
        if path.startswith(NOVA_PATHS):
            result.nova.append(path)
        elif path.startswith(TEMPEST_PLUGIN_PATHS):
            result.tempest_plugin.append(path)
        elif path.startswith(DEVSTACK_FILES):
            result.exporters.append(path)
        elif DEVSTACK_IGNORED.match(path):
            result.unused.append(path)
        elif is_plugin_shell(path):
            shell_paths.append(path)
        else:
            result.unused.append(path)
    if shell_paths:
        every = [p for p in all_paths if is_plugin_shell(p)]
        old = {p: old_text(p) for p in every}
        new = {p: new_text(p) for p in every}
        result.phases, result.needs_stack, result.devstack_idle = \
            devstack_plugin_changes(old, new)
    return result


META_HEADER = re.compile(r'^\[\[\s*([^|\]]+?)\s*\|\s*([^\]]+?)\s*\]\]$')


def conf_settings(text):
    """What a local.conf sets, in a form that ignores harmless order.

    In a stacked cloud only the outcome of enable_service,
    disable_service and disable_all_services counts (the services on at
    the end), and which plugins are enabled; a localrc variable counts
    with its last value; a meta-section's line with its phase, file and
    ini section. Returns (services, plugins, variables, options).
    """
    services, plugins, variables, options = set(), set(), {}, set()
    meta, ini = ('', ''), ''
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        header = META_HEADER.match(line)
        if header:
            meta, ini = header.groups(), ''
            continue
        if meta != ('local', 'localrc'):
            if line.startswith('[') and line.endswith(']'):
                ini = line
            else:
                options.add('%s|%s|%s %s' % (meta + (ini, line)))
            continue
        words = line.split(None, 1)
        names = set(','.join(words[1:]).replace(',', ' ').split())
        if words[0] == 'disable_all_services':
            services.clear()
        elif words[0] == 'enable_service':
            services |= names
        elif words[0] == 'disable_service':
            services -= names
        elif words[0] == 'enable_plugin':
            plugins.add(' '.join(line.split()[1:]))
        elif '=' in line:
            name, _, value = line.partition('=')
            variables[name] = value
        else:
            options.add('localrc| %s' % line)
    return services, plugins, variables, options


def conf_differences(old_text, new_text):
    """What differs between two local.confs once harmless order is gone.

    [] when both set the same: the same services and plugins, the same
    variables and options, in whatever order.
    """
    old, new = conf_settings(old_text), conf_settings(new_text)
    found = []
    for label, a, b in (('service', old[0], new[0]),
                        ('plugin', old[1], new[1]),
                        ('option', old[3], new[3])):
        found += ['-%s %s' % (label, x) for x in sorted(a - b)]
        found += ['+%s %s' % (label, x) for x in sorted(b - a)]
    for name in sorted(set(old[2]) | set(new[2])):
        if old[2].get(name) != new[2].get(name):
            found.append('%s: %s -> %s' % (name, old[2].get(name, '(unset)'),
                                           new[2].get(name, '(unset)')))
    return found
