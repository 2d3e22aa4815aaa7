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

"""nova's read-only views taken down with real mounts."""

import os
import subprocess

from tests.devstack import base


class TestViews(base.RealHostTestCase):

    def mounted(self, where):
        with open('/proc/self/mountinfo') as f:
            return [line for line in f if line.split()[4] == where]

    def test_views_under_a_tmpfs_go_children_first_a_busy_one_detached(self):
        views = self.path('state/share_local_fs')
        source = self.path('host/instance-00000001')
        os.makedirs(source)
        self.write(os.path.join(source, 'energy_uj'), '42')
        os.makedirs(views)
        self.addCleanup(self.run_cmd, 'umount', '-R', '--lazy', views)
        # As nova may do it: a tmpfs over the view directory, read-only
        # bind views inside it.
        self.assertEqual(0, self.run_cmd('mount', '-t', 'tmpfs', 'views',
                                         views).returncode)
        view_a = os.path.join(views, 'instance-00000001', 'scaphandre')
        view_b = os.path.join(views, 'instance 2', 'scaphandre')
        for view in (view_a, view_b):
            os.makedirs(view)
            self.assertEqual(0, self.run_cmd('mount', '--bind', '-o', 'ro',
                                             source, view).returncode)
        # A running guest's virtiofsd holds its view open.
        holder = subprocess.Popen(['sleep', '60'], cwd=view_a)
        self.addCleanup(holder.kill)
        r = self.run_bash('virtiofs_scaphandre_unmount_views', env={
            'VIRTIOFS_SCAPHANDRE_READONLY_VIEW_DIR': views})
        self.assertOK(r)
        self.assertIn('detached %s' % view_a, r.stdout)
        self.assertIn('unmounted %s' % views, r.stdout)
        for where in (views, view_a, view_b):
            self.assertEqual([], self.mounted(where), where)
        # The host directory itself is untouched.
        self.assertEqual('42', self.read(os.path.join(source, 'energy_uj')))
