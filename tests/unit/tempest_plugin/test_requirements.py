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


FEATURES = ('live_migration', 'cold_migration', 'resize', 'shelve',
            'suspend', 'pause')


def make_conf(**overrides):
    group = dict(enabled=True, power_metrics_flavor_ref='pm',
                 control_flavor_ref='ctl', mount_tag='scaphandre',
                 host_dir='/var/lib/libvirt/scaphandre',
                 readonly_view_dir='/opt/stack/data/nova/share_local_fs',
                 nova_compute_config_file='/etc/nova/nova-cpu.conf',
                 nova_compute_restart_command='systemctl restart x',
                 file_backed_memory_mb=1024,
                 compute_ssh_private_key_path='')
    run_validation = overrides.pop('run_validation', True)
    min_compute_nodes = overrides.pop('min_compute_nodes', 2)
    features = {f: overrides.pop(f, True) for f in FEATURES}
    group.update(overrides)
    return types.SimpleNamespace(
        virtiofs_scaphandre=types.SimpleNamespace(**group),
        validation=types.SimpleNamespace(run_validation=run_validation),
        compute=types.SimpleNamespace(min_compute_nodes=min_compute_nodes),
        compute_feature_enabled=types.SimpleNamespace(**features))


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
        ({'cold_migration': False}, req.COLD_MIGRATION,
         '[compute-feature-enabled] cold_migration is False'),
        ({'resize': False}, req.RESIZE,
         '[compute-feature-enabled] resize is False'),
        ({'shelve': False}, req.SHELVE,
         '[compute-feature-enabled] shelve is False'),
        ({'suspend': False}, req.SUSPEND,
         '[compute-feature-enabled] suspend is False'),
        ({'pause': False}, req.PAUSE,
         '[compute-feature-enabled] pause is False'),
        ({'min_compute_nodes': 1}, req.LIVE_MIGRATION,
         '[compute] min_compute_nodes is 1: the test needs 2 computes'),
        ({'min_compute_nodes': 1}, req.COLD_MIGRATION,
         '[compute] min_compute_nodes is 1: the test needs 2 computes'),
        ({'min_compute_nodes': 1}, req.TWO_COMPUTES,
         '[compute] min_compute_nodes is 1: the test needs 2 computes'),
        ({'nova_compute_restart_command': ''}, req.COMPUTE_RESTART,
         'nova_compute_restart_command is empty: cannot restart'),
        ({'file_backed_memory_mb': 0}, req.FILE_BACKED_MEMORY,
         'file_backed_memory_mb is 0: the file-backed memory test is off'),
        ({'nova_compute_restart_command': ''}, req.FILE_BACKED_MEMORY,
         'nova_compute_restart_command is empty: cannot reconfigure'),
    )
    @ddt.unpack
    def test_missing(self, overrides, need, reason):
        conf = make_conf(**overrides)
        self.assertIn(reason, req.skip_reason(conf, (need,)))
        # A test that does not need it runs. (Every need but the key.)
        self.assertIsNone(req.skip_reason(conf, self._needs_without(
            conf, need)))

    def _needs_without(self, conf, need):
        unaffected = []
        for other in req.ALL_NEEDS:
            if other in (need, req.COMPUTE_SSH):
                continue
            if req.skip_reason(conf, (other,)) is None:
                unaffected.append(other)
        self.assertGreater(len(unaffected), len(req.ALL_NEEDS) / 2)
        return tuple(unaffected)

    def test_unknown_need_is_a_programming_error(self):
        self.assertRaises(ValueError, req.skip_reason, make_conf(),
                          ('flavour',))

    @ddt.data(
        ({'mount_tag': ''}, 'mount_tag is empty'),
        ({'mount_tag': 'x' * 37}, 'longer than 36 bytes'),
        ({'host_dir': 'var/lib/scaphandre'}, 'host_dir must be an absolute'),
        ({'readonly_view_dir': ''}, 'readonly_view_dir must be an absolute'),
        ({'nova_compute_config_file': 'nova-cpu.conf'},
         'nova_compute_config_file must be an absolute'),
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
