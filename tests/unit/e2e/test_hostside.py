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

import argparse

import testtools

from virtiofs_scaphandre.e2e import hostside
from virtiofs_scaphandre.e2e import main
from virtiofs_scaphandre.e2e import report
from virtiofs_scaphandre.e2e import run


def make_run(run_dir='/var/lib/libvirt/e2e-vfs'):
    args = main.parse_args(['--run-dir', run_dir, '--json', '/nonexistent/x'])
    return run.Run(args, report.Result())


def outcome(**kw):
    out = {'name': 'e2e-vfs-00e2e011', 'refused': True,
           'exception': 'ShareLocalFsFailed',
           'admin_message': 'detail for admins',
           'user_fault': {'code': 500, 'message': 'Cannot share the power '
                          'metrics directory with the instance: it is not '
                          'a plain directory'},
           'domain_defined': False, 'new_mounts': [], 'new_paths': [],
           'cleanup_problems': []}
    out.update(kw)
    return out


class TestLeaks(testtools.TestCase):

    def test_paths_and_host_name_are_found(self):
        self.assertEqual(
            ['e2e-compute-7f3a9c', 'absolute paths starting /v'],
            hostside.leaks("could not mount '/var/lib/x' on "
                           "e2e-compute-7f3a9c", ['e2e-compute-7f3a9c']))

    def test_relative_names_and_options_are_not_paths(self):
        self.assertEqual([], hostside.leaks(
            "instance name 'a/b' cannot be used; see [compute] "
            "share_local_fs and hw:mem_page_size", ['e2e-compute-7f3a9c']))


class TestJudge(testtools.TestCase):

    def setUp(self):
        super(TestJudge, self).setUp()
        self.run_ = make_run()
        self.checks = hostside.HostSideChecks(self.run_)
        self.by_label = {s.label: s for s in self.checks.scenarios()}

    def statuses(self):
        return [(c.name.split(': ', 1)[1], c.status)
                for c in self.run_.result.checks]

    def test_clean_refusal_passes(self):
        self.checks.judge(self.by_label['link-root'], outcome())
        self.assertEqual([
            ('nova refuses it', 'PASS'), ('nothing mounted', 'PASS'),
            ('the fault a non-admin user sees names no host path and no '
             'host name', 'PASS')], self.statuses())

    def test_accepting_a_symlink_fails(self):
        self.checks.judge(self.by_label['link-root'], outcome(
            refused=False, domain_defined=True,
            new_mounts=['/var/lib/libvirt/e2e-vfs/state/share_local_fs/'
                        'e2e-vfs-00e2e011/scaphandre']))
        self.assertEqual([('nova refuses it', 'FAIL'),
                          ('nothing mounted', 'FAIL')], self.statuses())

    def test_a_fault_naming_host_paths_fails(self):
        self.checks.judge(self.by_label['not-a-dir'], outcome(user_fault={
            'code': 500, 'message': 'could not mount /var/lib/libvirt/'
            'e2e-vfs/scaphandre/e2e-vfs-00e2e013 read-only on host '
            'e2e-compute-7f3a9c'}))
        fault = self.run_.result.checks[-1]
        self.assertEqual('FAIL', fault.status)
        self.assertIn('/var/lib/libvirt/e2e-vfs', fault.detail)

    def test_hostile_name_must_make_nothing(self):
        self.checks.judge(self.by_label['name-slash'], outcome(
            new_paths=['/var/lib/libvirt/e2e-vfs/scaphandre/a']))
        self.assertIn(('nothing mounted or made', 'FAIL'), self.statuses())

    def test_views_parent_link_may_be_accepted_but_not_followed(self):
        scenario = self.by_label['views-parent-link']
        self.checks.judge(scenario, outcome(refused=False))
        self.assertEqual('PASS', self.run_.result.checks[-1].status)
        self.checks.judge(scenario, outcome(refused=False, new_paths=[
            self.checks.decoy + '/scaphandre']))
        self.assertEqual('FAIL', self.run_.result.checks[-1].status)

    def test_hostile_names_use_the_display_name_template(self):
        o = self.by_label['name-dotdot'].overrides('e2e-vfs-%08x')
        self.assertEqual('%(display_name)s', o['name_template'])
        self.assertEqual('..', o['display_name'])
        o = self.by_label['link-root'].overrides('e2e-vfs-%08x')
        self.assertEqual('e2e-vfs-%08x', o['name_template'])
        self.assertNotIn('display_name', o)


class TestArgs(testtools.TestCase):

    def test_stack_options(self):
        args = main.parse_args(['--expect-native-readonly', 'true',
                                '--stack-label', 'trixie', '--no-host-side'])
        self.assertIsInstance(args, argparse.Namespace)
        self.assertTrue(args.expect_native_readonly)
        self.assertTrue(args.no_host_side)
        self.assertEqual('trixie', args.stack_label)
