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

from tempest import exceptions
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.api import base as api_base
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import requirements
from virtiofs_scaphandre_tempest_plugin.scenario import base
from virtiofs_scaphandre_tempest_plugin.serial_tests import base as serial

FILE_BACKED_TRAIT = 'COMPUTE_MEM_BACKING_FILE'


def file_backed_memory_settings(size_mb):
    """nova-compute settings that back all guest memory with files.

    nova refuses file-backed memory with memory overcommit or reserved
    host memory.
    """
    return ('\n# virtiofs-scaphandre tempest: file-backed memory test\n'
            '[DEFAULT]\nram_allocation_ratio = 1.0\n'
            'reserved_host_memory_mb = 0\n'
            '[libvirt]\nfile_backed_memory = %d\n' % size_mb)


@decorators.serial
class FileBackedMemoryTest(serial.HostStateMixin, base.ShareScenarioTest):
    """Without hugepages, the share needs a file-backed memory compute.

    virtiofsd maps the guest memory, so it must be shared: nova gives
    that with hugepages or [libvirt] file_backed_memory. A power-metrics
    flavor without hw:mem_page_size must therefore go to a compute
    reporting COMPUTE_MEM_BACKING_FILE. The test makes one compute such a
    compute for its duration (serial: it restarts nova-compute twice),
    lets the scheduler choose, and checks the guest.
    """

    vs_needs = base.ShareScenarioTest.vs_needs + (
        requirements.FILE_BACKED_MEMORY,)

    def _failed_build_attempts(self, server_id):
        """Events of the create action that failed (a reschedule)."""
        client = self.admin_servers_client
        failed = []
        for action in client.list_instance_actions(
                server_id)['instanceActions']:
            if action['action'] != 'create':
                continue
            events = client.show_instance_action(
                server_id, action['request_id'])['instanceAction']['events']
            failed += ['%s on %s' % (e['event'], e.get('host'))
                       for e in events if e.get('result') == 'Error']
        return failed

    def _check_no_valid_host(self, flavor_id, host):
        try:
            server = self.create_server(flavor_id, self.guest_image(),
                                        host=host)
        except exceptions.BuildErrorException as e:
            fault = str(e)
        else:
            self.fail('a file-backed power-metrics server %s went ACTIVE on '
                      '%s, which lacks %s' % (server['id'], host,
                                              FILE_BACKED_TRAIT))
        self.assertIn('No valid host', fault,
                      'pinned to %s, which lacks %s, the file-backed server '
                      'failed for another reason than scheduling'
                      % (host, FILE_BACKED_TRAIT))

    @decorators.idempotent_id('e9f32fe5-7f82-4ad1-bf2a-9d5c18bb6124')
    def test_file_backed_guest_is_scheduled_and_gets_the_share(self):
        """The scheduler finds the file-backed compute; the share works.

        1. Give one compute file-backed memory; wait for its trait.
        2. Pinned to another compute with the share but without
           COMPUTE_MEM_BACKING_FILE, a server of the power-metrics flavor
           without hw:mem_page_size fails with NoValidHost: the
           scheduler, not a failed build, keeps it off.
        3. Unpinned, a guest of that flavor lands on the file-backed
           compute at the first attempt.
        4. Its memory is file backed and shared; the share serves it.
        """
        with_trait, _ = self.hosts_by_trait()
        if not with_trait:
            self.fail('no compute has %s' % api_base.TRAIT)
        host = with_trait[-1]
        provider = self.compute_providers()[host]
        # Clean-ups run last first: this one after the restore below.
        self.addCleanup(self.wait_for_provider_trait, provider,
                        FILE_BACKED_TRAIT, False)
        self.reconfigure_nova_compute(host, file_backed_memory_settings(
            self.vs_conf.file_backed_memory_mb))
        self.wait_for_provider_trait(provider, FILE_BACKED_TRAIT, True)
        flavor, specs = self.power_metrics_flavor()
        specs = {k: v for k, v in specs.items()
                 if k != api_base.PAGE_SIZE_SPEC}
        file_backed = self.create_flavor_like(flavor, specs)
        for other in with_trait[:-1]:
            self._check_no_valid_host(file_backed['id'], other)

        guest = self.boot_guest(file_backed['id'])
        server_id = guest.server['id']
        landed, _ = self.server_location(server_id)
        self.assertEqual(host, landed,
                         'the file-backed power-metrics server %s went to '
                         '%s; only %s has %s' % (server_id, landed, host,
                                                 FILE_BACKED_TRAIT))
        self.assertEqual([], self._failed_build_attempts(server_id),
                         'server %s reached %s only after failed attempts'
                         % (server_id, host))
        _, name, root = self.get_server_xml(server_id)
        self.assertEqual([], domain_xml.check_memory(root, hugepages=False),
                         'memory of domain %s on %s' % (name, host))
        self.assert_share_serves(guest, 'file-backed guest on %s' % host)
