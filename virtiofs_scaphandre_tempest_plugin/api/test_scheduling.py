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

import ddt
from tempest import config
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import requirements

CONF = config.CONF


@ddt.ddt
class PowerMetricsSchedulingTest(base.VirtiofsScaphandreTest):
    """Servers asking power metrics only land where the trait is.

    Power metrics are asked either by the flavor (hw:power_metrics=true)
    or by the image (hw_power_metrics=true on a flavor without the extra
    spec); both must make nova require COMPUTE_SHARE_LOCAL_FS.
    """

    vs_needs = (requirements.POWER_METRICS_FLAVOR,)

    def _requests(self, source):
        """Server requests for a test asking power metrics via ``source``.

        :returns: ((flavor id, image id) asking power metrics, twin flavor
            id), the twin being the power-metrics flavor without
            hw:power_metrics.
        """
        pm_flavor, _ = self.power_metrics_flavor()
        twin, _ = self.power_metrics_twin_flavor()
        if source == 'flavor':
            return (pm_flavor['id'], CONF.compute.image_ref), twin['id']
        image = self.copy_image(CONF.compute.image_ref,
                                **{base.POWER_METRICS_PROP: 'true'})
        return (twin['id'], image), twin['id']

    @decorators.idempotent_id('469c188a-66b2-469e-bb5e-3b67bba5886f')
    @ddt.data('flavor', 'image')
    def test_server_lands_on_provider_with_trait(self, source):
        """Scheduling honours the trait.

        1. Create a server asking power metrics through ``source``.
        2. Look up in placement the root providers of its allocations.
        3. Each one has COMPUTE_SHARE_LOCAL_FS.
        """
        (flavor_id, image_id), _twin = self._requests(source)
        server = self.create_server(flavor_id, image_id)

        roots = self.allocation_roots(server['id'])
        self.assertNotEmpty(
            roots, 'server %s has no allocation in placement' % server['id'])
        for root in sorted(roots):
            traits, _ = self.provider_traits(root)
            self.assertIn(
                base.TRAIT, traits,
                'server %s (power metrics from the %s) has allocations on '
                'resource provider %s, which lacks %s; its traits: %s'
                % (server['id'], source, root, base.TRAIT, sorted(traits)))

    @decorators.idempotent_id('35f59fe2-1a5a-4c1d-bbe3-89978c341099')
    @ddt.data('flavor', 'image')
    def test_no_valid_host_without_trait(self, source):
        """Without the trait on the only candidate: NoValidHost.

        1. Take a compute without COMPUTE_SHARE_LOCAL_FS; when every
           compute has it, take the trait off one provider for this test.
        2. A server asking power metrics through ``source``, pinned there
           (microversion 2.74 ``host``, still scheduled), fails with
           NoValidHost.
        3. The twin flavor (no hw:power_metrics, same hugepages and sizes)
           pinned there goes ACTIVE: nothing but the trait was missing.
        """
        providers = self.compute_providers()
        if not providers:
            self.fail('no nova-compute is enabled and up')
        with_trait, without = self.hosts_by_trait()
        if without:
            host = without[0]
        else:
            host = with_trait[0]
            self.remove_trait_for_this_test(providers[host])
        (flavor_id, image_id), twin_id = self._requests(source)

        server = self.create_server(flavor_id, image_id, host=host,
                                    wait_until=None)
        server = self.wait_for_build_result(server['id'])
        if server['status'] != 'ERROR':
            traits, _ = self.provider_traits(providers[host])
            self.fail('server %s asking power metrics through the %s went '
                      '%s on %s, whose provider did not have %s (it has it '
                      'now: %s)' % (server['id'], source, server['status'],
                                    host, base.TRAIT, base.TRAIT in traits))
        fault = server.get('fault', {}).get('message', '')
        self.assertIn('No valid host', fault,
                      'server %s failed for another reason than the missing '
                      'trait: %r' % (server['id'], fault))

        self.create_server(twin_id, host=host)
