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

"""Skip reasons and configuration errors."""

import types

import ddt
import fixtures
from tempest.lib import exceptions as lib_exc
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import requirements as req


def make_conf(**overrides):
    group = dict(enabled=True, power_metrics_flavor_ref='pm',
                 control_flavor_ref='ctl', mount_tag='scaphandre',
                 host_dir='/var/lib/libvirt/scaphandre',
                 readonly_view_dir='/opt/stack/data/nova/share_local_fs',
                 compute_ssh_private_key_path='', compute_nodes=2)
    run_validation = overrides.pop('run_validation', True)
    live_migration = overrides.pop('live_migration', True)
    group.update(overrides)
    return types.SimpleNamespace(
        virtiofs_scaphandre=types.SimpleNamespace(**group),
        validation=types.SimpleNamespace(run_validation=run_validation),
        compute_feature_enabled=types.SimpleNamespace(
            live_migration=live_migration))


@ddt.ddt
class TestSkipReason(base.TestCase):

    def setUp(self):
        super(TestSkipReason, self).setUp()
        self.key = self.useFixture(fixtures.TempDir()).join('id_rsa')
        open(self.key, 'w').close()

    def test_everything_available(self):
        conf = make_conf(compute_ssh_private_key_path=self.key)
        self.assertIsNone(req.skip_reason(conf, req.ALL_NEEDS))

    def test_disabled_wins(self):
        conf = make_conf(enabled=False, power_metrics_flavor_ref=None)
        reason = req.skip_reason(conf, req.ALL_NEEDS)
        self.assertIn('[virtiofs_scaphandre] enabled is False', reason)

    def test_disabled_skips_tests_without_needs(self):
        self.assertIn('enabled is False',
                      req.skip_reason(make_conf(enabled=False), ()))

    @ddt.data(
        ({'power_metrics_flavor_ref': None}, req.POWER_METRICS_FLAVOR,
         'power_metrics_flavor_ref is not set'),
        ({'power_metrics_flavor_ref': ''}, req.POWER_METRICS_FLAVOR,
         'power_metrics_flavor_ref is not set'),
        ({'control_flavor_ref': None}, req.CONTROL_FLAVOR,
         'control_flavor_ref is not set'),
        ({}, req.COMPUTE_SSH, 'compute_ssh_private_key_path is not set'),
        ({'run_validation': False}, req.GUEST_SSH,
         '[validation] run_validation is False'),
        ({'live_migration': False}, req.LIVE_MIGRATION,
         '[compute-feature-enabled] live_migration is False'),
        ({'compute_nodes': 1}, req.LIVE_MIGRATION,
         'compute_nodes is 1: live migration needs 2 computes'),
    )
    @ddt.unpack
    def test_missing(self, overrides, need, reason):
        conf = make_conf(**overrides)
        self.assertIn(reason, req.skip_reason(conf, (need,)))
        # A test that does not need it runs.
        others = tuple(n for n in req.ALL_NEEDS
                       if n not in (need, req.COMPUTE_SSH))
        self.assertIsNone(req.skip_reason(conf, others))

    def test_unknown_need_is_a_programming_error(self):
        self.assertRaises(ValueError, req.skip_reason, make_conf(),
                          ('flavour',))

    @ddt.data(
        ({'mount_tag': ''}, 'mount_tag is empty'),
        ({'mount_tag': 'x' * 37}, 'longer than 36 bytes'),
        ({'host_dir': 'var/lib/scaphandre'}, 'host_dir must be an absolute'),
        ({'readonly_view_dir': ''}, 'readonly_view_dir must be an absolute'),
        ({'compute_ssh_private_key_path': '/nonexistent/key'},
         'compute_ssh_private_key_path /nonexistent/key is not a file'),
    )
    @ddt.unpack
    def test_bad_values_raise(self, overrides, message):
        e = self.assertRaises(lib_exc.InvalidConfiguration, req.skip_reason,
                              make_conf(**overrides), ())
        self.assertIn(message, str(e))

    def test_longest_tag_is_accepted(self):
        self.assertIsNone(req.skip_reason(make_conf(mount_tag='x' * 36), ()))
