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

"""Shared helpers of the Zuul configuration tests (tox -e zuul)."""

import os
import shutil
import sys
import types

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
ZUUL_DIR = os.path.join(TOP_DIR, 'zuul.d')
PLAYBOOK_DIR = os.path.join(TOP_DIR, 'playbooks')
RENDERER_MODULE = 'virtiofs_scaphandre.localconf'
PROJECT = 'opendev.org/openstack/virtiofs-scaphandre'

# Jobs and nodesets our zuul.d may name that are defined in other
# repositories (checked against their .zuul.yaml / zuul.d, July 2026):
# openstack/devstack, openstack/tempest, openstack/openstack-zuul-jobs.
UPSTREAM_JOBS = frozenset([
    'devstack-tempest',            # openstack/tempest zuul.d/base.yaml
    'tempest-multinode-full-py3',  # openstack/tempest integrated-gate.yaml
    'openstack-tox',               # openstack/openstack-zuul-jobs
    'openstack-tox-pep8',          # openstack/openstack-zuul-jobs
])
UPSTREAM_NODESETS = frozenset([
    'openstack-single-node-noble',         # openstack/devstack .zuul.yaml
    'openstack-two-node-noble',            # openstack/devstack .zuul.yaml
    'devstack-single-node-debian-trixie',  # openstack/devstack .zuul.yaml
    'devstack-two-node-debian-trixie',     # openstack/devstack .zuul.yaml
])
# Parents whose runs are devstack + tempest; the tempest_* and devstack_*
# vars only mean something below them.
DEVSTACK_PARENTS = frozenset(['devstack-tempest',
                              'tempest-multinode-full-py3'])


def zuul_files():
    return sorted(os.path.join(ZUUL_DIR, n) for n in os.listdir(ZUUL_DIR)
                  if n.endswith(('.yaml', '.yml')))


def playbook_files():
    found = []
    for root, _dirs, files in os.walk(PLAYBOOK_DIR):
        # Task files are included by playbooks, not playbooks themselves.
        if os.path.basename(root) == 'tasks':
            continue
        for name in files:
            if name.endswith(('.yaml', '.yml')):
                found.append(os.path.join(root, name))
    return sorted(found)


def tool(name):
    """Path of a console script installed next to this interpreter."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(name)


class ZuulConfig(object):
    """zuul.d parsed by Zuul's own loader and stanza parsers."""

    def __init__(self):
        # Imported here so that a missing zuul fails the tests that need it
        # with an import error naming the package.
        from zuul import configloader
        from zuul import model
        self._configloader = configloader
        self._model = model
        # No pipelines are defined in this repository, so no connection
        # (Gerrit, GitHub...) is needed; the registry stays empty.
        self.pcontext = configloader.ParseContext(
            types.SimpleNamespace(connections={}), None, None, None)
        self.parsers = {
            'job': self.pcontext.job_parser,
            'project': self.pcontext.project_parser,
            'project-template': self.pcontext.project_template_parser,
            'nodeset': self.pcontext.nodeset_parser,
            'semaphore': self.pcontext.semaphore_parser,
            'secret': self.pcontext.secret_parser,
        }

    def load(self, path, text=None):
        """Return [(kind, raw conf, parsed object)] for one file.

        Raises what Zuul raises: YAML errors, voluptuous schema errors,
        duplicate keys, unknown stanza types.
        """
        if text is None:
            with open(path) as f:
                text = f.read()
        relpath = os.path.relpath(path, TOP_DIR)
        source = self._model.SourceContext(
            PROJECT, 'openstack/virtiofs-scaphandre', 'opendev', 'master',
            relpath)
        data = self._configloader.safe_load_yaml(text, source)
        if not isinstance(data, list):
            raise ValueError('%s: a Zuul config file is a list of stanzas'
                             % relpath)
        result = []
        for item in data:
            if not isinstance(item, dict) or len(item) != 1:
                raise ValueError('%s: stanza %r is not a one-key mapping'
                                 % (relpath, item))
            kind, conf = next(iter(item.items()))
            if kind not in self.parsers:
                raise ValueError('%s: unknown stanza type %s'
                                 % (relpath, kind))
            parsed = self.parsers[kind].fromYaml(conf)
            result.append((kind, conf, parsed))
        return result

    def load_all(self):
        stanzas = []
        for path in zuul_files():
            stanzas.extend(self.load(path))
        return stanzas
