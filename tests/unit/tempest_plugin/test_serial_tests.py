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

"""The serial test bodies against a scripted cloud."""

from unittest import mock

import ddt
from tempest import exceptions

from tests.unit.tempest_plugin import scripted
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.serial_tests import \
    test_compute_restart
from virtiofs_scaphandre_tempest_plugin.serial_tests import \
    test_file_backed_memory
from virtiofs_scaphandre_tempest_plugin.serial_tests import test_no_valid_host

FILE_XML = """<domain><memoryBacking><source type='file'/>
  <access mode='shared'/></memoryBacking><devices/></domain>"""


@ddt.ddt
class TestNoValidHost(scripted.PluginTestCase):

    cls = test_no_valid_host.NoValidHostTest
    method = 'test_no_valid_host_without_trait_flavor'

    def setUp(self):
        super(TestNoValidHost, self).setUp()
        self.test.compute_providers = mock.Mock(
            return_value={'cmp1': 'rp1', 'cmp2': 'rp2'})
        self.test.hosts_by_trait = mock.Mock(
            return_value=(['cmp1', 'cmp2'], []))
        self.test.remove_trait_for_this_test = mock.Mock()
        self.test.provider_traits = mock.Mock(return_value=(set(), 1))
        self.test.create_server.side_effect = self._create
        self.patchobject(self.cls, 'twin_went_active_on', ())

    def _create(self, flavor_id, image_id=None, host=None):
        if flavor_id == 'twin' and image_id is None:
            return {'id': 'twin-srv'}
        raise exceptions.BuildErrorException(
            "Fault: {'message': 'No valid host was found. '}",
            server_id='srv')

    def test_trait_taken_off_the_only_candidate(self):
        self.run_test()
        self.test.remove_trait_for_this_test.assert_called_once_with('rp1')
        self.assertEqual(
            [mock.call('pm', 'fake_image_id', host='cmp1'),
             mock.call('twin', host='cmp1')],
            self.test.create_server.call_args_list)

    def test_host_without_trait_is_used_as_is(self):
        self.test.hosts_by_trait.return_value = (['cmp1'], ['cmp2'])
        self.run_test()
        self.test.remove_trait_for_this_test.assert_not_called()
        self.assertEqual('cmp2',
                         self.test.create_server.call_args[1]['host'])

    def test_image_source(self):
        self.run_test('test_no_valid_host_without_trait_image')
        self.test.copy_image.assert_called_once_with(
            'fake_image_id', hw_power_metrics='true')
        self.assertEqual(
            mock.call('twin', 'img-pm', host='cmp1'),
            self.test.create_server.call_args_list[0])

    @ddt.data(('test_no_valid_host_without_trait_flavor', 'flavor'),
              ('test_no_valid_host_without_trait_image', 'image'))
    @ddt.unpack
    def test_server_went_active(self, method, source):
        self.test.create_server.side_effect = None
        self.assert_fails('asking power metrics through the %s went ACTIVE '
                          'on cmp1' % source, method=method)

    def test_other_failure(self):
        self.test.create_server.side_effect = exceptions.BuildErrorException(
            "Fault: {'message': 'Build of instance aborted'}",
            server_id='srv')
        self.assert_fails('failed for another reason than the missing trait')

    def test_twin_fails_too(self):
        self.test.create_server.side_effect = exceptions.BuildErrorException(
            "Fault: {'message': 'No valid host was found. '}",
            server_id='srv')
        self.assertRaises(exceptions.BuildErrorException, self.run_test)

    def test_twin_once_per_host(self):
        self.run_test()
        self.run_test('test_no_valid_host_without_trait_image')
        self.assertEqual(1, self.test.create_server.call_args_list.count(
            mock.call('twin', host='cmp1')))
        self.test.hosts_by_trait.return_value = (['cmp2'], [])
        self.run_test()
        self.assertEqual(mock.call('twin', host='cmp2'),
                         self.test.create_server.call_args)

    def test_no_compute(self):
        self.test.compute_providers.return_value = {}
        self.assert_fails('no nova-compute is enabled and up')


class TestComputeRestart(scripted.ScenarioTestCase):

    cls = test_compute_restart.ComputeRestartTest
    method = 'test_running_guest_keeps_reading_across_nova_compute_restart'

    def setUp(self):
        super(TestComputeRestart, self).setUp()
        self.test.restart_nova_compute = mock.Mock(side_effect=self._restart)
        self.test.wait_for_compute_rpc = mock.Mock()

    def _restart(self, host):
        for server in list(self.cloud.servers.values()):
            if server.host == host:
                self.cloud.act(server.id, 'restart')

    def test_guest_keeps_reading(self):
        self.run_test()
        self.test.restart_nova_compute.assert_called_once_with('cmp1')
        self.test.wait_for_compute_rpc.assert_called_once_with('srv1')
        self.assertEqual('as mounted', self.cloud.guest(
            self.cloud.servers['srv1']).share.mounted or 'as mounted')

    def test_views_lost_on_restart(self):
        self.cloud.broken.add('restart')
        self.assert_fails('after nova-compute restarted on cmp1')


class TestFileBackedMemory(scripted.ScenarioTestCase):

    cls = test_file_backed_memory.FileBackedMemoryTest
    method = 'test_file_backed_guest_is_scheduled_and_gets_the_share'

    def setUp(self):
        super(TestFileBackedMemory, self).setUp()
        self.test.reconfigure_nova_compute = mock.Mock()
        self.test.wait_for_provider_trait = mock.Mock()
        self.test.get_server_xml = lambda server_id: (
            'cmp2', 'instance-00000001', domain_xml.parse(FILE_XML))
        self.test.admin_servers_client = mock.Mock()
        self.actions = self.test.admin_servers_client
        self.actions.list_instance_actions.return_value = {
            'instanceActions': [{'action': 'create', 'request_id': 'req'}]}
        self.actions.show_instance_action.return_value = {
            'instanceAction': {'events': [
                {'event': 'compute__do_build_and_run_instance',
                 'host': 'cmp2', 'result': 'Success'}]}}
        self.cloud.next_host = 'cmp2'
        self.test.create_server.side_effect = exceptions.BuildErrorException(
            "Fault: {'message': 'No valid host was found. '}",
            server_id='pinned')

    def test_scheduled_to_the_file_backed_compute(self):
        self.run_test()
        self.test.create_server.assert_called_once_with('new', 'img',
                                                        host='cmp1')
        host, settings = self.test.reconfigure_nova_compute.call_args[0]
        self.assertEqual('cmp2', host)
        self.assertIn('file_backed_memory = 1024', settings)
        self.assertIn('ram_allocation_ratio = 1.0', settings)
        self.test.create_flavor_like.assert_called_once_with(
            {'id': 'pm', 'disk': 1}, {'hw:power_metrics': 'true'})
        self.assertEqual([('new', {})], self.booted)
        self.test.wait_for_provider_trait.assert_called_once_with(
            'rp-cmp2', 'COMPUTE_MEM_BACKING_FILE', True)
        # Waiting for the trait to go is a clean-up, after the restore.
        self.assertEqual(
            mock.call(self.test.wait_for_provider_trait, 'rp-cmp2',
                      'COMPUTE_MEM_BACKING_FILE', False),
            self.test.addCleanup.call_args_list[0])

    def test_scheduled_elsewhere(self):
        self.cloud.next_host = 'cmp1'
        self.assert_fails('went to cmp1; only cmp2 has '
                          'COMPUTE_MEM_BACKING_FILE')

    def test_single_compute_has_no_pinned_check(self):
        self.test.hosts_by_trait = lambda: (['cmp2'], [])
        self.run_test()
        self.test.create_server.assert_not_called()

    def test_pinned_to_a_compute_without_file_backed_memory(self):
        self.test.create_server.side_effect = None
        self.assert_fails('a file-backed power-metrics server srv went '
                          'ACTIVE on cmp1, which lacks '
                          'COMPUTE_MEM_BACKING_FILE')
        self.test.create_server.side_effect = exceptions.BuildErrorException(
            "Fault: {'message': 'Exceeded maximum number of retries.'}",
            server_id='pinned')
        self.assert_fails('pinned to cmp1, which lacks '
                          'COMPUTE_MEM_BACKING_FILE, the file-backed server '
                          'failed for another reason than scheduling')

    def test_rescheduled(self):
        events = self.actions.show_instance_action.return_value[
            'instanceAction']['events']
        events.insert(0, {'event': 'compute__do_build_and_run_instance',
                          'host': 'cmp1', 'result': 'Error'})
        self.assert_fails('only after failed attempts',
                          'compute__do_build_and_run_instance on cmp1')

    def test_memory_not_file_backed(self):
        self.test.get_server_xml = lambda server_id: (
            'cmp2', 'instance-00000001', domain_xml.parse(
                FILE_XML.replace("<source type='file'/>", '')))
        self.assert_fails('memory must be file backed')

    def test_no_share(self):
        self.cloud.broken.add('boot')
        self.test.boot_guest = mock.Mock(side_effect=self._boot_unshared)
        self.assert_fails('file-backed guest on cmp2')

    def _boot_unshared(self, flavor_id=None, **kwargs):
        server = self.cloud.boot()
        server.shared = False
        return self.cloud.guest(server)
