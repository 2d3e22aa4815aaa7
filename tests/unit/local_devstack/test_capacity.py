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

"""capacity: filling the computes' hugepage shares (files/capacity-check)."""

import importlib.machinery
import importlib.util
import io
import os
import types

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import capacity
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import restore
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

HOSTS = ('lds-controller', 'lds-subnode')


def load_script():
    loader = importlib.machinery.SourceFileLoader('capacity_check',
                                                  capacity.SCRIPT_SRC)
    spec = importlib.util.spec_from_loader('capacity_check', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class FakeCloud(object):
    """A scheduler over two hosts sharing one pool of pool_pages.

    offered: the pages each host tells the scheduler it has. A server
    the scheduler places where the pool is empty fails at spawn.
    """

    def __init__(self, offered, pool_pages, page_size='2048', ram=256):
        self.offered = dict.fromkeys(HOSTS, offered)
        self.pool = pool_pages
        self.servers = {}
        self.deleted = []
        flavor = types.SimpleNamespace(id='f1', name='power-metrics',
                                       ram=ram, extra_specs={
                                           'hw:mem_page_size': page_size})
        self.compute = types.SimpleNamespace(
            servers=lambda all_projects: list(self.servers.values()),
            get_flavor=lambda fid: flavor,
            fetch_flavor_extra_specs=lambda f: f,
            services=lambda: [types.SimpleNamespace(
                binary='nova-compute', host=h) for h in HOSTS],
            create_server=self.create, get_server=self.servers.get,
            delete_server=lambda sid, ignore_missing: self.deleted.append(
                sid),
            wait_for_delete=lambda server, wait: None)
        self.network = types.SimpleNamespace(
            find_network=lambda name: types.SimpleNamespace(id='n1'))

    def create(self, name, flavor_id, image_id, networks):
        need = 128
        hosts = [h for h in HOSTS if self.offered[h] >= need]
        server = types.SimpleNamespace(id=name, name=name, status='ACTIVE',
                                       compute_host=None, fault=None)
        if not hosts:
            server.status = 'ERROR'
            server.fault = {'message': 'No valid host was found. '}
        else:
            host = max(hosts, key=lambda h: self.offered[h])
            self.offered[host] -= need
            server.compute_host = host
            if self.pool < need:
                server.status = 'ERROR'
                server.fault = {'message': 'Exceeded maximum number of '
                                'retries. unable to map backing store for '
                                'guest RAM'}
            else:
                self.pool -= need
        self.servers[server.id] = server
        return server


class TestCapacityCheck(base.TestCase):

    def setUp(self):
        super(TestCapacityCheck, self).setUp()
        self.script = load_script()
        self.out = io.StringIO()

    def check(self, conn):
        return self.script.check(conn, 'f1', 'i1', 'private', 256, 30,
                                 out=self.out)

    def test_shares_of_the_pool_answer_no_valid_host(self):
        conn = FakeCloud(offered=256, pool_pages=512)
        self.assertEqual([], self.check(conn))
        self.assertIn('2 computes, 256 pages each, 128 per server: 4 '
                      'servers fit', self.out.getvalue())
        self.assertEqual(5, len(conn.deleted))

    def test_each_compute_offering_the_whole_pool_is_caught(self):
        # The old cloud: 4 ACTIVE, then ERROR at spawn, not NoValidHost.
        conn = FakeCloud(offered=512, pool_pages=512)
        problems = self.check(conn)
        self.assertEqual(1, len(problems))
        self.assertIn('not refused by the scheduler', problems[0])
        self.assertIn('unable to map backing store', problems[0])

    def test_a_server_that_should_fit_and_fails_is_named(self):
        conn = FakeCloud(offered=256, pool_pages=200)
        problems = self.check(conn)
        self.assertIn('server 2 of 4 that should fit ended ERROR',
                      problems[0])

    def test_a_cloud_with_servers_is_refused(self):
        conn = FakeCloud(offered=256, pool_pages=512)
        conn.create('left-over', 'f1', 'i1', [])
        self.assertIn('not empty (left-over)', self.check(conn)[0])

    def test_pages_per_server(self):
        flavor = types.SimpleNamespace(name='f', ram=256,
                                       extra_specs={'hw:mem_page_size': '2MB'})
        self.assertEqual(128, self.script.pages_per_server(flavor))
        flavor.extra_specs['hw:mem_page_size'] = 'large'
        self.assertRaises(ValueError, self.script.pages_per_server, flavor)


class TestCapacityCommand(base.TestCase):

    def test_arguments_from_tempest_conf(self):
        s = self.settings()
        cloud = cloud_mod.Cloud(s, base.FakeRunner(), checks=False)
        self.write(cloud.controller.path(restore.TEMPEST_CONF),
                   '[compute]\nimage_ref = i1\n[virtiofs_scaphandre]\n'
                   'power_metrics_flavor_ref = f1\n')
        self.assertEqual(['--flavor', 'f1', '--image', 'i1', '--network',
                          'private', '--share-pages', '256'],
                         capacity.check_args(cloud))

    def test_no_plugin_is_named(self):
        cloud = cloud_mod.Cloud(self.settings(), base.FakeRunner(),
                                checks=False)
        os.makedirs(cloud.controller.rootfs)
        e = self.assertRaises(LocalDevstackError, capacity.check_args, cloud)
        self.assertIn('names no power-metrics flavor', str(e))
