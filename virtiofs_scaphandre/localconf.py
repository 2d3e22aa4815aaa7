#!/usr/bin/env python3
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

"""Render a devstack local.conf from the Zuul job definitions in zuul.d/.

The devstack settings of the integration jobs exist only in zuul.d/ (job
vars devstack_localrc, devstack_local_conf, devstack_plugins,
tempest_plugins, devstack_services and required-projects). This tool
resolves a job's parent chain inside zuul.d/, applies Zuul's variable
inheritance and Ansible's group-vars precedence for the chosen node role,
and writes the local.conf that a developer VM needs, so that local runs and
the gate use one source.

Parents defined in other repositories (devstack-tempest and friends) are
not available offline. For them the tool uses LOCAL_PARENT_STANDINS below:
the few settings of those parents that a local devstack needs (passwords,
service lists, multinode wiring). Everything project-specific comes from
zuul.d/.

Examples:

  tools/render-local-conf --job virtiofs-scaphandre-tempest \\
      --plugin-path /opt/stack/virtiofs-scaphandre > local.conf
  tools/render-local-conf --job virtiofs-scaphandre-multinode \\
      --role subnode --set HOST_IP=10.0.0.3 --set SERVICE_HOST=10.0.0.2 \\
      --plugin-path /opt/stack/virtiofs-scaphandre
  tools/render-local-conf --job virtiofs-scaphandre-tempest \\
      --show tempest_test_regex

Exit status: 0 on success, 2 with a message naming the problem otherwise.
"""

import argparse
import copy
import json
import os
import re
import sys

import yaml

PROJECT_NAME = 'virtiofs-scaphandre'
PROJECT_CANONICAL = 'opendev.org/openstack/virtiofs-scaphandre'
DEFAULT_ZUUL_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'zuul.d')
DEFAULT_BASE_DIR = '/opt/stack'
ROLES = ('controller', 'subnode')
# One password for every devstack service account unless --set says
# otherwise; a developer VM is a throwaway.
DEFAULT_PASSWORD = 'virtiofs-scaphandre'

# Nodesets defined upstream that our jobs may use: node names and groups,
# as in devstack's .zuul.yaml. The role "controller" is the node named
# controller; "subnode" is the first node of the group subnode.
_TWO_NODE_GROUPS = {
    'tempest': ['controller'],
    'compute': ['controller', 'compute1'],
    'subnode': ['compute1'],
    'switch': ['controller'],
    'peers': ['compute1'],
}
UPSTREAM_NODESETS = {
    'openstack-single-node-noble': {
        'nodes': ['controller'], 'groups': {'tempest': ['controller']}},
    'devstack-single-node-debian-trixie': {
        'nodes': ['controller'], 'groups': {'tempest': ['controller']}},
    'openstack-two-node-noble': {
        'nodes': ['controller', 'compute1'], 'groups': _TWO_NODE_GROUPS},
    'devstack-two-node-debian-trixie': {
        'nodes': ['controller', 'compute1'], 'groups': _TWO_NODE_GROUPS},
}

_CONTROLLER_SERVICES = [
    'mysql', 'rabbit', 'etcd3', 'key', 'g-api', 'placement-api',
    'n-api', 'n-api-meta', 'n-cond', 'n-sch', 'n-cpu', 'n-novnc',
    'ovn-controller', 'ovn-northd', 'ovs-vswitchd', 'ovsdb-server',
    'q-svc', 'q-ovn-agent', 'tempest',
]
_SUBNODE_SERVICES = [
    'n-cpu', 'placement-client', 'ovn-controller', 'ovs-vswitchd',
    'ovsdb-server', 'q-ovn-agent',
]
_PASSWORDS = {
    'ADMIN_PASSWORD': DEFAULT_PASSWORD,
    'DATABASE_PASSWORD': DEFAULT_PASSWORD,
    'RABBIT_PASSWORD': DEFAULT_PASSWORD,
    'SERVICE_PASSWORD': DEFAULT_PASSWORD,
}
_DEVSTACK_TEMPEST = {
    'vars': {
        'devstack_localrc': dict(_PASSWORDS, LIBVIRT_TYPE='qemu'),
        'devstack_services': dict(
            {'base': False}, **{s: True for s in _CONTROLLER_SERVICES}),
    },
    'group-vars': {
        'subnode': {
            'devstack_localrc': dict(
                _PASSWORDS,
                LIBVIRT_TYPE='qemu',
                DATABASE_TYPE='mysql',
                DATABASE_HOST='$SERVICE_HOST',
                RABBIT_HOST='$SERVICE_HOST',
                GLANCE_HOSTPORT='$SERVICE_HOST:9292',
                Q_HOST='$SERVICE_HOST',
                ENABLE_CHASSIS_AS_GW=False),
            'devstack_services': dict(
                {'base': False}, **{s: True for s in _SUBNODE_SERVICES}),
        },
    },
}
_MULTINODE_LOCALRC = {
    'LIVE_MIGRATION_AVAILABLE': True,
    'USE_BLOCK_MIGRATION_FOR_LIVE_MIGRATION': True,
    'NOVA_ALLOW_MOVE_TO_SAME_HOST': False,
}
# Local stand-ins for the upstream parents: only what a local devstack
# needs from them. Keys are the upstream job names our jobs may name as
# parent; anything else is refused.
LOCAL_PARENT_STANDINS = {
    'devstack-tempest': _DEVSTACK_TEMPEST,
    'tempest-multinode-full-py3': {
        'vars': {'devstack_localrc': dict(_MULTINODE_LOCALRC)},
        'group-vars': {
            'peers': {'devstack_localrc': dict(_MULTINODE_LOCALRC)}},
        'parent': 'devstack-tempest',
    },
}
# Values the caller must give for a role (devstack cannot guess them).
REQUIRED_SETTINGS = {
    'controller': (),
    'subnode': ('HOST_IP', 'SERVICE_HOST'),
}

_BASH_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_BASH_REF = re.compile(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)')


class RenderError(Exception):
    """A problem in zuul.d or in the caller's request, with its cause."""


def load_zuul_dir(zuul_dir):
    """Return ({job name: job}, [project stanzas]) from every YAML file."""
    if not os.path.isdir(zuul_dir):
        raise RenderError('Zuul config directory %s does not exist'
                          % zuul_dir)
    jobs = {}
    projects = []
    names = sorted(n for n in os.listdir(zuul_dir)
                   if n.endswith(('.yaml', '.yml')))
    if not names:
        raise RenderError('no .yaml files in %s' % zuul_dir)
    for name in names:
        path = os.path.join(zuul_dir, name)
        try:
            with open(path) as f:
                data = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise RenderError('%s is not valid YAML: %s' % (path, exc))
        if data is None:
            continue
        if not isinstance(data, list):
            raise RenderError('%s: a Zuul config file must be a list of '
                              'stanzas' % path)
        for item in data:
            if not isinstance(item, dict) or len(item) != 1:
                raise RenderError('%s: each stanza must be a mapping with '
                                  'one key, got %r' % (path, item))
            kind, body = next(iter(item.items()))
            if kind == 'job':
                job_name = body.get('name')
                if job_name in jobs:
                    raise RenderError('job %s is defined twice (second time '
                                      'in %s); the renderer does not '
                                      'support job variants' % (job_name,
                                                                path))
                jobs[job_name] = body
            elif kind == 'project':
                projects.append(body)
    return jobs, projects


def deep_merge(base, override):
    """Merge dicts the way Zuul merges job vars: the child wins per key."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def job_chain(jobs, job_name):
    """Return (our jobs from the root-most to job_name, upstream parent)."""
    if job_name not in jobs:
        raise RenderError('job %s is not defined in zuul.d (defined: %s)'
                          % (job_name, ', '.join(sorted(jobs))))
    chain = []
    seen = set()
    name = job_name
    while name in jobs:
        if name in seen:
            raise RenderError('job %s: parent chain loops through %s'
                              % (job_name, name))
        seen.add(name)
        chain.append(jobs[name])
        name = jobs[name].get('parent')
        if name is None:
            raise RenderError('job %s: chain ends at %s, which has no '
                              'parent; only devstack jobs can be rendered'
                              % (job_name, chain[-1]['name']))
    if name not in LOCAL_PARENT_STANDINS:
        raise RenderError('job %s: upstream parent %s is not a devstack job '
                          'this tool knows (known: %s)'
                          % (job_name, name,
                             ', '.join(sorted(LOCAL_PARENT_STANDINS))))
    chain.reverse()
    return chain, name


def standin_chain(upstream):
    chain = []
    while upstream:
        standin = LOCAL_PARENT_STANDINS[upstream]
        chain.append(standin)
        upstream = standin.get('parent')
    chain.reverse()
    return chain


def node_groups(job_name, chain, role):
    """Return the Ansible groups of the node playing role, sorted."""
    nodeset_name = None
    for job in chain:
        nodeset_name = job.get('nodeset', nodeset_name)
    if nodeset_name is None:
        raise RenderError('job %s sets no nodeset' % job_name)
    if not isinstance(nodeset_name, str):
        raise RenderError('job %s: only named nodesets are supported, got %r'
                          % (job_name, nodeset_name))
    if nodeset_name not in UPSTREAM_NODESETS:
        raise RenderError('job %s: nodeset %s is unknown to this tool '
                          '(known: %s)' % (job_name, nodeset_name,
                                           ', '.join(sorted(
                                               UPSTREAM_NODESETS))))
    nodeset = UPSTREAM_NODESETS[nodeset_name]
    if role == 'controller':
        node = 'controller'
    else:
        members = nodeset['groups'].get('subnode', [])
        if not members:
            raise RenderError('job %s runs on one node (nodeset %s): it has '
                              'no subnode role' % (job_name, nodeset_name))
        node = members[0]
    # Ansible applies group vars of groups at the same depth in
    # alphabetical order: a later group wins.
    return sorted(g for g, nodes in nodeset['groups'].items()
                  if node in nodes)


def effective_vars(chain, upstream, groups):
    """Return the variables the node sees, with Ansible's precedence."""
    layers = standin_chain(upstream) + chain
    job_vars = {}
    group_vars = {}
    for layer in layers:
        job_vars = deep_merge(job_vars, layer.get('vars') or {})
        for group, gvars in (layer.get('group-vars') or {}).items():
            group_vars[group] = deep_merge(group_vars.get(group, {}),
                                           gvars or {})
    result = dict(job_vars)
    # A group var replaces the job var of the same name as a whole
    # (Ansible's default hash_behaviour=replace).
    for group in groups:
        result.update(group_vars.get(group, {}))
    return result


def project_checkouts(chain):
    """Return {short project name: ref} from override-checkout settings."""
    default = None
    refs = {}
    for job in chain:
        default = job.get('override-checkout', default)
        for project in job.get('required-projects') or []:
            if isinstance(project, dict) and 'override-checkout' in project:
                short = project['name'].rstrip('/').split('/')[-1]
                refs[short] = project['override-checkout']
    return default, refs


def _as_bash_value(value):
    if isinstance(value, bool):
        return 'True' if value else 'False'
    return str(value)


def _ordered_localrc(localrc):
    """Order settings so a value that uses $OTHER comes after OTHER."""
    ordered = []
    state = {}

    def visit(key, path):
        if state.get(key) == 'done':
            return
        if state.get(key) == 'visiting':
            raise RenderError('devstack_localrc settings refer to each other '
                              'in a loop: %s' % ' -> '.join(path + [key]))
        state[key] = 'visiting'
        for ref in _BASH_REF.findall(localrc[key]):
            if ref != key and ref in localrc:
                visit(ref, path + [key])
        state[key] = 'done'
        ordered.append(key)

    for key in sorted(localrc):
        visit(key, [])
    return ordered


def _quote(value):
    if value.startswith('"') and value.endswith('"') and len(value) > 1:
        return value
    return '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')


def _check_no_template(job_name, where, value):
    if '{{' in value or '{%' in value:
        raise RenderError(
            'job %s sets %s to an Ansible template (%s); the renderer does '
            'not evaluate templates: give the value with --set or --conf'
            % (job_name, where, value))


def parse_settings(pairs):
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition('=')
        if not sep or not _BASH_NAME.match(key):
            raise RenderError('--set expects NAME=VALUE with a shell variable '
                              'name, got %r' % pair)
        settings[key] = value
    return settings


def parse_conf_overrides(items):
    """Parse 'PHASE|FILE|SECTION|KEY=VALUE' into a local_conf dict."""
    result = {}
    for item in items:
        parts = item.split('|', 3)
        if len(parts) != 4 or '=' not in parts[3] or not all(parts[:3]):
            raise RenderError('--conf expects PHASE|FILE|SECTION|KEY=VALUE '
                              '(e.g. "test-config|$TEMPEST_CONFIG|'
                              'virtiofs_scaphandre|compute_nodes=2"), '
                              'got %r' % item)
        phase, path, section, assignment = parts
        key, _sep, value = assignment.partition('=')
        if not key:
            raise RenderError('--conf %r has an empty option name' % item)
        (result.setdefault(phase, {}).setdefault(path, {})
         .setdefault(section, {}))[key] = value
    return result


def resolve(zuul_dir, job_name, role):
    """Return (job vars for the role's node, chain, upstream parent)."""
    if role not in ROLES:
        raise RenderError('role must be one of %s, got %r'
                          % (', '.join(ROLES), role))
    jobs, _projects = load_zuul_dir(zuul_dir)
    chain, upstream = job_chain(jobs, job_name)
    groups = node_groups(job_name, chain, role)
    return effective_vars(chain, upstream, groups), chain, upstream


class LocalConf(object):
    """A rendered local.conf as data; text() writes it, once.

    header: comment lines; services: [(enable_service|disable_service,
    name)] after an optional disable_all_services; localrc: [(KEY,
    VALUE)] in order; plugins: [(name, url)]; meta: {phase: {file:
    {section: {key: value}}}}. Callers change the data (add a setting, a
    plugin, drop one), never the text.
    """

    def __init__(self, header=(), disable_all=False, services=(),
                 localrc=(), plugins=(), meta=None):
        self.header = list(header)
        self.disable_all = disable_all
        self.services = list(services)
        self.localrc = list(localrc)
        self.plugins = list(plugins)
        self.meta = meta or {}

    def value(self, key):
        """The last value localrc gives key (unquoted), or None."""
        found = None
        for name, value in self.localrc:
            if name == key:
                found = value
        if found and len(found) > 1 and found[0] == found[-1] == '"':
            found = found[1:-1].replace('\\"', '"').replace('\\\\', '\\')
        return found

    def set(self, key, value):
        """Append KEY=VALUE: devstack takes the last assignment."""
        self.localrc.append((key, _quote(value)))

    def add_services(self, verb, names):
        self.services += [(verb, n) for n in names]

    def add_plugin(self, name, url):
        self.plugins.append((name, url))

    def drop_plugin(self, name):
        self.plugins = [p for p in self.plugins if p[0] != name]

    def add_meta(self, overrides):
        self.meta = deep_merge(self.meta, overrides)

    def text(self):
        lines = list(self.header) + ['[[local|localrc]]']
        if self.disable_all:
            lines.append('disable_all_services')
        lines += ['%s %s' % pair for pair in self.services]
        lines += ['%s=%s' % pair for pair in self.localrc]
        # enable_plugin must follow the settings: devstack reads
        # variables such as DEST before it clones plugins.
        lines += ['enable_plugin %s %s' % pair for pair in self.plugins]
        lines.append('')
        for phase in self.meta:
            for path in self.meta[phase]:
                lines.append('[[%s|%s]]' % (phase, path))
                for section, options in self.meta[phase][path].items():
                    lines.append('[%s]' % section)
                    for key, value in options.items():
                        lines.append('%s = %s' % (key, value))
                    lines.append('')
        return '\n'.join(lines).rstrip('\n') + '\n'


def build(zuul_dir, job_name, role='controller', settings=None,
          conf_overrides=None, plugin_path=None, base_dir=DEFAULT_BASE_DIR):
    """The LocalConf of job_name for the role's node."""
    settings = dict(settings or {})
    variables, chain, _upstream = resolve(zuul_dir, job_name, role)

    missing = [k for k in REQUIRED_SETTINGS[role] if k not in settings]
    if missing:
        raise RenderError('role %s needs %s: pass --set %s'
                          % (role, ', '.join(missing),
                             ' --set '.join('%s=...' % m for m in missing)))

    header = ['# Rendered by tools/render-local-conf from zuul.d: job %s, '
              'role %s.' % (job_name, role),
              '# Edit zuul.d/, not this file.']
    default_ref, refs = project_checkouts(chain)
    devstack_ref = refs.get('devstack', default_ref)
    if devstack_ref:
        header.append('# The job runs devstack from %s: check devstack out '
                      'at that ref.' % devstack_ref)

    services = dict(variables.get('devstack_services') or {})
    disable_all = services.pop('base', True) is False
    service_lines = [('enable_service' if services[name] else
                      'disable_service', name) for name in sorted(services)]

    localrc = {}
    for key, value in (variables.get('devstack_localrc') or {}).items():
        if not _BASH_NAME.match(str(key)):
            raise RenderError('job %s: devstack_localrc key %r is not a '
                              'shell variable name' % (job_name, key))
        localrc[key] = _as_bash_value(value)
    for short, ref in sorted(refs.items()):
        # devstack's own ref is the checkout of devstack itself, not a
        # setting; this project is the plugin, placed by the caller.
        if short in (PROJECT_NAME, 'devstack'):
            continue
        localrc.setdefault('%s_BRANCH' % short.upper().replace('-', '_'),
                           ref)
    tempest_plugins = variables.get('tempest_plugins') or []
    if tempest_plugins and 'TEMPEST_PLUGINS' not in localrc:
        paths = []
        for name in tempest_plugins:
            if name == PROJECT_NAME and plugin_path:
                paths.append(plugin_path)
            else:
                paths.append(os.path.join(base_dir, name))
        localrc['TEMPEST_PLUGINS'] = ' '.join(paths)
    localrc.update(settings)
    localrc_pairs = []
    for key in _ordered_localrc(localrc):
        if key not in settings:
            _check_no_template(job_name, 'devstack_localrc.%s' % key,
                               localrc[key])
        localrc_pairs.append((key, _quote(localrc[key])))

    plugins = variables.get('devstack_plugins') or {}
    if PROJECT_NAME not in plugins:
        raise RenderError('job %s does not enable the devstack plugin %s '
                          '(devstack_plugins: %s)'
                          % (job_name, PROJECT_NAME,
                             ', '.join(sorted(plugins)) or 'none'))
    plugin_pairs = []
    for name in sorted(plugins):
        url = plugins[name]
        if not url:
            continue
        if name == PROJECT_NAME and plugin_path:
            url = 'file://%s' % plugin_path
        _check_no_template(job_name, 'devstack_plugins.%s' % name, url)
        plugin_pairs.append((name, url))

    meta = deep_merge(variables.get('devstack_local_conf') or {},
                      conf_overrides or {})
    for phase in meta:
        for path in meta[phase]:
            for section, options in meta[phase][path].items():
                for key in list(options):
                    value = _as_bash_value(options[key])
                    _check_no_template(
                        job_name, 'devstack_local_conf %s %s [%s] %s'
                        % (phase, path, section, key), value)
                    options[key] = value
    return LocalConf(header, disable_all, service_lines, localrc_pairs,
                     plugin_pairs, meta)


def render(zuul_dir, job_name, role='controller', settings=None,
           conf_overrides=None, plugin_path=None, base_dir=DEFAULT_BASE_DIR):
    """Return the text of local.conf for job_name on the role's node."""
    return build(zuul_dir, job_name, role, settings, conf_overrides,
                 plugin_path, base_dir).text()


def show(zuul_dir, job_name, role, name):
    """Return a resolved job variable, or a job attribute, as JSON text."""
    variables, chain, _upstream = resolve(zuul_dir, job_name, role)
    if name == 'checkouts':
        default_ref, refs = project_checkouts(chain)
        return json.dumps({'default': default_ref, 'projects': refs},
                          sort_keys=True)
    if name not in variables:
        raise RenderError('job %s (role %s) has no variable %s (it has: %s)'
                          % (job_name, role, name,
                             ', '.join(sorted(variables))))
    return json.dumps(variables[name], sort_keys=True)


def list_jobs(zuul_dir):
    """Return the names of our jobs that render (devstack jobs)."""
    jobs, _projects = load_zuul_dir(zuul_dir)
    names = []
    for name in sorted(jobs):
        if jobs[name].get('abstract'):
            continue
        try:
            job_chain(jobs, name)
        except RenderError:
            continue
        names.append(name)
    return names


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='render-local-conf',
        description='Render a devstack local.conf from a zuul.d job.')
    parser.add_argument('--zuul-dir', default=DEFAULT_ZUUL_DIR,
                        help='directory of Zuul config (default: %(default)s)')
    parser.add_argument('--job', help='job name, e.g. '
                        'virtiofs-scaphandre-tempest')
    parser.add_argument('--role', default='controller', choices=ROLES,
                        help='node role (default: %(default)s)')
    parser.add_argument('--set', dest='settings', action='append',
                        default=[], metavar='NAME=VALUE',
                        help='localrc setting that wins over the job '
                        '(HOST_IP, SERVICE_HOST, GIT_BASE, passwords...)')
    parser.add_argument('--conf', action='append', default=[],
                        metavar='PHASE|FILE|SECTION|KEY=VALUE',
                        help='local.conf meta-section option that wins '
                        'over the job')
    parser.add_argument('--plugin-path',
                        help='absolute path of this project on the devstack '
                        'node, used for enable_plugin and TEMPEST_PLUGINS '
                        '(default: the job\'s URL and %s/%s); devstack uses '
                        'the tree in place when it is $DEST/%s'
                        % (DEFAULT_BASE_DIR, PROJECT_NAME, PROJECT_NAME))
    parser.add_argument('--base-dir', default=DEFAULT_BASE_DIR,
                        help='devstack DEST (default: %(default)s)')
    parser.add_argument('--output', '-o',
                        help='write here instead of standard output')
    parser.add_argument('--show', metavar='VAR',
                        help='print a resolved job variable as JSON (e.g. '
                        'tempest_test_regex), or "checkouts"')
    parser.add_argument('--list-jobs', action='store_true',
                        help='print the jobs that can be rendered')
    args = parser.parse_args(argv)
    if not args.list_jobs and not args.job:
        parser.error('--job is required (see --list-jobs)')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.list_jobs:
            text = '\n'.join(list_jobs(args.zuul_dir)) + '\n'
        elif args.show:
            text = show(args.zuul_dir, args.job, args.role, args.show) + '\n'
        else:
            # The path is on the machine that runs devstack, which need
            # not be this one: it can only be checked for form.
            if args.plugin_path and not os.path.isabs(args.plugin_path):
                raise RenderError('--plugin-path must be an absolute path on '
                                  'the devstack node, got %s'
                                  % args.plugin_path)
            text = render(args.zuul_dir, args.job, args.role,
                          parse_settings(args.settings),
                          parse_conf_overrides(args.conf),
                          args.plugin_path, args.base_dir)
    except RenderError as exc:
        sys.stderr.write('render-local-conf: %s\n' % exc)
        return 2
    if args.output:
        with open(args.output, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
