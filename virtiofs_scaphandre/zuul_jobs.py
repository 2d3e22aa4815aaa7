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

"""Zuul's job definitions in zuul.d/, resolved for one node.

The devstack settings of the integration jobs exist only in zuul.d/ (job
vars devstack_localrc, devstack_local_conf, devstack_plugins,
tempest_plugins, devstack_services and required-projects). This module
follows a job's parent chain inside zuul.d/, applies Zuul's variable
inheritance and Ansible's group-vars precedence for a node role, and
returns the variables that node's Ansible run would see.

Parents defined in other repositories (devstack-tempest and friends) are
not available offline. For them LOCAL_PARENT_STANDINS below holds the few
settings a local devstack needs from them (passwords, service lists,
multinode wiring). Everything project-specific comes from zuul.d/.
"""

import copy
import json
import os

import yaml

PROJECT_NAME = 'virtiofs-scaphandre'
DEFAULT_ZUUL_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'zuul.d')
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


def resolve(zuul_dir, job_name, role):
    """Return (job vars for the role's node, chain, upstream parent)."""
    if role not in ROLES:
        raise RenderError('role must be one of %s, got %r'
                          % (', '.join(ROLES), role))
    jobs, _projects = load_zuul_dir(zuul_dir)
    chain, upstream = job_chain(jobs, job_name)
    groups = node_groups(job_name, chain, role)
    return effective_vars(chain, upstream, groups), chain, upstream


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
