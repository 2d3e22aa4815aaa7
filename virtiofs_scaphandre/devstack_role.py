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

"""devstack's own writer of local.conf, run on what the renderer built.

In the gate, devstack's Zuul role roles/write-devstack-local-conf turns a
job's variables into local.conf. Its module is run here, from a devstack
tree, on the arguments localconf.LocalConf carries (role_args()), and its
text is compared with the renderer's (role_text()): the local cloud does
it for each node's file, compare_all for every job and role.
"""

import difflib
import importlib.util
import os
import sys
import tempfile

from virtiofs_scaphandre import localconf
from virtiofs_scaphandre import zuul_jobs

MODULE = os.path.join('roles', 'write-devstack-local-conf', 'library',
                      'devstack_local_conf.py')


def load_module(devstack_dir):
    """devstack's write-devstack-local-conf module, from a devstack tree."""
    path = os.path.join(devstack_dir, MODULE)
    if not os.path.isfile(path):
        raise zuul_jobs.RenderError('%s has no %s: not a devstack tree?' % (
            devstack_dir, MODULE))
    spec = importlib.util.spec_from_file_location(
        'devstack_local_conf', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def devstack_text(conf, module):
    """What devstack's module writes for conf's role arguments."""
    writer = module.LocalConf(**conf.role_args())
    with tempfile.TemporaryDirectory(prefix='local-conf-') as tmp:
        path = os.path.join(tmp, 'local.conf')
        writer.write(path)
        with open(path) as f:
            return f.read()


def difference(conf, module, label):
    """'' when devstack's module writes conf's text, else a diff."""
    ours, theirs = conf.role_text(), devstack_text(conf, module)
    if ours == theirs:
        return ''
    return ''.join(difflib.unified_diff(
        theirs.splitlines(True), ours.splitlines(True),
        'devstack write-devstack-local-conf: %s' % label,
        'render-local-conf: %s' % label))


def compare_all(zuul_dir, devstack_dir, out=sys.stdout):
    """Every job and role rendered by both; return the number differing."""
    module = load_module(devstack_dir)
    differing = 0
    for job in zuul_jobs.list_jobs(zuul_dir):
        for role in zuul_jobs.ROLES:
            try:
                conf = localconf.build(zuul_dir, job, role, settings={
                    'HOST_IP': '192.0.2.11', 'SERVICE_HOST': '192.0.2.10'},
                    plugin_path=os.path.join(localconf.DEFAULT_BASE_DIR,
                                             zuul_jobs.PROJECT_NAME))
            except zuul_jobs.RenderError as e:
                if 'has no subnode role' in str(e):
                    continue
                raise
            diff = difference(conf, module, '%s %s' % (job, role))
            differing += bool(diff)
            print('%-40s %-10s %s' % (job, role, 'differs' if diff else
                                      'same'), file=out)
            if diff:
                print(diff, file=out)
    return differing
