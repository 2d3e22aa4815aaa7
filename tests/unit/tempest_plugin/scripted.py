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

"""Test cases that run one tempest test body against a scripted cloud."""

import types
from unittest import mock

from oslo_config import cfg
from tempest import config
from tempest.lib import exceptions as lib_exc
from tempest.tests import base
from tempest.tests import fake_config

from tests.unit.tempest_plugin import fakes
from virtiofs_scaphandre_tempest_plugin import config as vs_config


def vs_group(**overrides):
    values = dict(
        enabled=True, mount_tag=fakes.TAG, host_dir=fakes.HOST_DIR,
        readonly_view_dir=fakes.VIEW_DIR, power_metrics_flavor_ref='pm',
        control_flavor_ref='ctl', image_ref='', image_ssh_user='cirros',
        compute_ssh_private_key_path='', exporter_period=5,
        nova_compute_restart_command='systemctl restart devstack@n-cpu',
        nova_compute_config_file='/etc/nova/nova-cpu.conf',
        file_backed_memory_mb=1024)
    values.update(overrides)
    return types.SimpleNamespace(**values)


class PluginTestCase(base.TestCase):
    """One test method of a tempest test class, its cloud helpers mocked."""

    cls = None
    method = None

    def setUp(self):
        super(PluginTestCase, self).setUp()
        self.conf = self.useFixture(fake_config.ConfigFixture()).conf
        self.patchobject(config, 'TempestConfigPrivate',
                         fake_config.FakePrivate)
        for group, opts in vs_config.list_opts():
            config.register_opt_group(cfg.CONF, group, opts)
        self.conf.set_override('enabled', True, 'virtiofs_scaphandre')
        self.conf.set_override('min_compute_nodes', 2, 'compute')
        for feature in ('resize', 'cold_migration', 'live_migration',
                        'shelve', 'pause', 'suspend'):
            self.conf.set_override(feature, True, 'compute-feature-enabled')
        self.test = self.cls(self.method)
        self.test.vs_conf = vs_group()
        self.test.addCleanup = mock.Mock()
        self.test.create_server = mock.Mock(return_value={'id': 'srv'})
        self.test.power_metrics_flavor = mock.Mock(return_value=(
            {'id': 'pm', 'disk': 1}, {'hw:power_metrics': 'true',
                                      'hw:mem_page_size': 'large'}))
        self.test.control_flavor = mock.Mock(return_value=({'id': 'ctl'},
                                                           {}))
        self.test.power_metrics_twin_flavor = mock.Mock(return_value=(
            {'id': 'twin'}, {'hw:mem_page_size': 'large'}))
        self.test.copy_image = mock.Mock(return_value='img-pm')
        self.test.create_flavor_like = mock.Mock(return_value={'id': 'new'})

    def run_test(self, method=None):
        return getattr(self.test, method or self.method)()

    def assert_fails(self, *needles, method=None):
        e = self.assertRaises(AssertionError, self.run_test, method)
        for needle in needles:
            self.assertIn(needle, str(e))
        return e


class FakeServersClient(object):
    """Server actions of the compute API, played on a FakeCloud."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.calls = []

    def _other_host(self, server_id):
        host = self.cloud.servers[server_id].host
        return [h for h in sorted(self.cloud.computes) if h != host][0]

    def reboot_server(self, server_id, type):
        self.cloud.act(server_id, '%s reboot' % type.lower())

    def stop_server(self, server_id):
        self.cloud.servers[server_id].status = 'SHUTOFF'

    def start_server(self, server_id):
        self.cloud.act(server_id, 'start')

    def pause_server(self, server_id):
        self.cloud.servers[server_id].status = 'PAUSED'

    def unpause_server(self, server_id):
        self.cloud.act(server_id, 'unpause')

    def rebuild_server(self, server_id, image_ref):
        self.cloud.act(server_id, 'rebuild')

    def migrate_server(self, server_id):
        self.cloud.act(server_id, 'cold migration', 'VERIFY_RESIZE',
                       host=self._other_host(server_id))

    def confirm_resize_server(self, server_id):
        self.cloud.servers[server_id].status = 'ACTIVE'

    def unshelve_server(self, server_id):
        self.cloud.act(server_id, 'unshelve',
                       host=self._other_host(server_id))

    def suspend_server(self, server_id):
        self.calls.append(('suspend', server_id))
        if 'suspend' not in self.cloud.broken:
            raise lib_exc.Conflict('Cannot suspend an instance that shares '
                                   'a local directory')
        self.cloud.servers[server_id].status = 'SUSPENDED'

    def resume_server(self, server_id):
        self.calls.append(('resume', server_id))
        self.cloud.servers[server_id].status = 'ACTIVE'


class ScenarioTestCase(PluginTestCase):
    """A scenario test body against a FakeCloud with two computes."""

    def setUp(self):
        super(ScenarioTestCase, self).setUp()
        self.cloud = fakes.FakeCloud()
        test = self.test
        test.boot_guest = mock.Mock(side_effect=self._boot)
        test.share_problems = self.cloud.share_problems
        test.views_left = self.cloud.views_left
        test.server_location = self.cloud.location
        test.compute_client = lambda host: self.cloud.computes[host]
        test.compute_providers = lambda: {
            h: 'rp-' + h for h in self.cloud.computes}
        test.hosts_by_trait = lambda: (sorted(self.cloud.computes), [])
        test.guest_image = lambda: 'img'
        test.servers_client = FakeServersClient(self.cloud)
        test.admin_servers_client = test.servers_client
        test.resize_server = lambda server_id, flavor_id: self.cloud.act(
            server_id, 'resize',
            host=test.servers_client._other_host(server_id))
        self.patch('tempest.common.waiters.wait_for_server_status',
                   self._wait)
        self.patch('tempest.common.compute.shelve_server', self._shelve)

    def _boot(self, flavor_id=None, **kwargs):
        self.booted = getattr(self, 'booted', []) + [(flavor_id, kwargs)]
        return self.cloud.guest(self.cloud.boot())

    def _wait(self, client, server_id, status, **kwargs):
        actual = self.cloud.servers[server_id].status
        if actual != status:
            raise lib_exc.TimeoutException('server %s is %s, not %s'
                                           % (server_id, actual, status))

    def _shelve(self, client, server_id, force_shelve_offload=False):
        self.cloud.offload(server_id)
