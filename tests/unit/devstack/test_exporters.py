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

"""devstack/lib/exporters: which exporter a compute node runs."""

import os

from tests.unit.devstack import base

SCAPHANDRE_ON_PATH = (
    'function command { if [[ $2 == scaphandre ]]; then '
    'echo /usr/bin/scaphandre; else builtin command "$@"; fi; }\n')


class TestExporterChoice(base.DevstackPluginTestCase):

    def setUp(self):
        super(TestExporterChoice, self).setUp()
        self.env['ENABLED_SERVICES'] = 'n-cpu'
        self.env['VIRTIOFS_SCAPHANDRE_HOST_DIR'] = (
            '/var/lib/libvirt/scaphandre')
        self.fake = '%s/devstack/files/fake-scaphandre-exporter %s' % (
            base.TOP_DIR, '/var/lib/libvirt/scaphandre')

    def rapl(self):
        self.write(os.path.join(self.env['VIRTIOFS_SCAPHANDRE_POWERCAP_DIR'],
                                'intel-rapl:0', 'energy_uj'), '123456')

    def extra(self, **env):
        return self.run_bash(SCAPHANDRE_ON_PATH +
                             'virtiofs_scaphandre_stack_extra', env=env)

    def test_scaphandre_with_rapl_and_a_package(self):
        self.rapl()
        r = self.extra(FAKE_APT_SHOW='1')
        self.assertOK(r)
        self.assertEqual([['scaphandre']], r.called('install_package'))
        self.assertEqual([['scaphandre-exporter', '/usr/bin/scaphandre qemu',
                           '', 'root']], r.called('run_process'))
        self.assertEqual([], r.called('warn'))
        self.assertIn("running Scaphandre's qemu exporter", r.stdout)

    def test_no_rapl_falls_back_in_one_line(self):
        r = self.extra(FAKE_APT_SHOW='1')
        self.assertOK(r)
        self.assertEqual([], r.called('install_package'))
        self.assertEqual([['scaphandre-exporter', self.fake, '', 'root']],
                         r.called('run_process'))
        warnings = r.called('warn')
        self.assertEqual(1, len(warnings), repr(r))
        self.assertIn('no RAPL energy counters on this host', warnings[0][0])
        self.assertIn('running the fake exporter instead', warnings[0][0])
        self.assertEqual(1, len(r.stderr.strip().splitlines()), r.stderr)

    def test_no_package_falls_back_in_one_line(self):
        self.rapl()
        r = self.extra(DISTRO='noble', os_VENDOR='Ubuntu')
        self.assertOK(r)
        self.assertEqual([['scaphandre-exporter', self.fake, '', 'root']],
                         r.called('run_process'))
        self.assertEqual(1, len(r.called('warn')))
        self.assertIn('noble has no scaphandre package',
                      r.called('warn')[0][0])

    def test_kernel_without_modules_falls_back(self):
        # Scaphandre 1.0.2 panics reading /proc/modules at start (seen on
        # the development host's kernel, which has no module support).
        self.rapl()
        r = self.extra(FAKE_APT_SHOW='1', VIRTIOFS_SCAPHANDRE_PROC_MODULES=(
            self.path('proc/nonexistent')))
        self.assertOK(r)
        self.assertEqual([['scaphandre-exporter', self.fake, '', 'root']],
                         r.called('run_process'))
        self.assertEqual(1, len(r.called('warn')))
        self.assertIn('no module support', r.called('warn')[0][0])

    def test_scaphandre_cannot_write_elsewhere(self):
        self.rapl()
        r = self.extra(FAKE_APT_SHOW='1',
                       VIRTIOFS_SCAPHANDRE_HOST_DIR='/srv/metrics')
        self.assertDies(r, 'can only write to /var/lib/libvirt/scaphandre',
                        'VIRTIOFS_SCAPHANDRE_HOST_DIR=/srv/metrics')
        self.assertEqual([], r.called('run_process'))

    def test_fake_asked_for(self):
        self.rapl()
        r = self.extra(VIRTIOFS_SCAPHANDRE_EXPORTER='fake', FAKE_APT_SHOW='1')
        self.assertOK(r)
        self.assertEqual([['scaphandre-exporter', self.fake, '', 'root']],
                         r.called('run_process'))
        self.assertEqual([], r.called('warn'))

    def test_none(self):
        r = self.extra(VIRTIOFS_SCAPHANDRE_EXPORTER='none')
        self.assertOK(r)
        self.assertEqual([], r.called('run_process'))

    def test_api_only_node_runs_no_exporter(self):
        r = self.extra(ENABLED_SERVICES='n-api')
        self.assertOK(r)
        self.assertEqual([], r.called('run_process'))
