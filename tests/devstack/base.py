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

"""The devstack plugin's functions run for real on this host (root).

tox -e devstack runs them as root, one at a time: packages (installed only
when missing, never upgraded), versions, the Debian 12 + bookworm-backports
virtiofsd (in a scratch apt configuration and a scratch root), hugepages
and hugetlbfs in the real kernel, and nova patching and configuration on a
scratch nova tree unpacked from the sdist of nova_patches/BASE, with nova's
own code parsing what the plugin wrote. What they need they build with the
repository's own tools; a missing piece is a failure, never a skip.
"""

import os
import shutil
import subprocess

from tests.unit.devstack import base as unit_base

HERE = os.path.dirname(os.path.abspath(__file__))
TOP_DIR = unit_base.TOP_DIR
REAL_FUNCTIONS = os.path.join(HERE, 'real-devstack-functions.sh')


def os_release():
    values = {}
    with open('/etc/os-release') as f:
        for line in f:
            if '=' in line:
                k, v = line.rstrip('\n').split('=', 1)
                values[k] = v.strip('"')
    return values


class RealHostTestCase(unit_base.DevstackPluginTestCase):

    functions = REAL_FUNCTIONS

    def setUp(self):
        super(RealHostTestCase, self).setUp()
        # Not a skip: tox -e devstack is the root environment.
        self.assertEqual(0, os.geteuid(),
                         'tests/devstack changes the host: run them as root '
                         '(tox -e devstack)')
        rel = os_release()
        codename = rel.get('VERSION_CODENAME', '')
        self.env.update({
            'os_VENDOR': rel.get('NAME', '').split()[0],
            'os_RELEASE': rel.get('VERSION_ID', ''),
            'os_CODENAME': codename,
            'DISTRO': codename,
            'os_PACKAGE': 'deb' if shutil.which('dpkg') else 'rpm',
        })
        # The real kernel and the real descriptor directories.
        for key in ('VIRTIOFS_SCAPHANDRE_SYSFS_HUGEPAGES',
                    'VIRTIOFS_SCAPHANDRE_PROC_MEMINFO',
                    'VIRTIOFS_SCAPHANDRE_PROC_MOUNTS',
                    'VIRTIOFS_SCAPHANDRE_PROC_MOUNTINFO',
                    'VIRTIOFS_SCAPHANDRE_VHOST_USER_DIRS'):
            del self.env[key]

    def run_cmd(self, *argv, **kwargs):
        kwargs.setdefault('capture_output', True)
        kwargs.setdefault('text', True)
        return subprocess.run(list(argv), **kwargs)
