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

from virtiofs_scaphandre_tempest_plugin.api import base
from virtiofs_scaphandre_tempest_plugin.common import requirements
from virtiofs_scaphandre_tempest_plugin.serial_tests import base as serial

CONF = base.CONF


@decorators.serial
class NoValidHostTest(serial.HostStateMixin, base.VirtiofsScaphandreTest):
    """A server asking power metrics never lands where the trait is not.

    Power metrics are asked either by the flavor (hw:power_metrics=true)
    or by the image (hw_power_metrics=true on a flavor without the extra
    spec); both must make nova require COMPUTE_SHARE_LOCAL_FS. Serial:
    when every compute has the trait, the test takes it off one provider
    for its duration, which other tests would see.
    """

    vs_needs = (requirements.POWER_METRICS_FLAVOR,)
    # Hosts where the twin flavor went ACTIVE, the trait missing.
    twin_went_active_on = ()

    def _requests(self, source):
        """((flavor id, image id) asking power metrics, twin flavor id).

        The twin is the power-metrics flavor without hw:power_metrics:
        same sizes and hugepages.
        """
        pm_flavor, _ = self.power_metrics_flavor()
        twin, _ = self.power_metrics_twin_flavor()
        if source == 'flavor':
            return (pm_flavor['id'], CONF.compute.image_ref), twin['id']
        image = self.copy_image(CONF.compute.image_ref,
                                **{base.POWER_METRICS_PROP: 'true'})
        return (twin['id'], image), twin['id']

    def _check_no_valid_host(self, source):
        """Pinned to a compute without the trait: NoValidHost.

        1. Take a compute without COMPUTE_SHARE_LOCAL_FS; when every
           compute has it, take the trait off one provider for this test.
        2. A server asking power metrics through source, pinned there
           (microversion 2.74 host, still scheduled), fails with
           NoValidHost.
        3. The twin flavor (no hw:power_metrics, same hugepages and sizes)
           pinned there goes ACTIVE: nothing but the trait was missing.
           Both tests make the same control request on the same host, so
           the second test of the class leaves it out.
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

        try:
            server = self.create_server(flavor_id, image_id, host=host)
        except exceptions.BuildErrorException as e:
            fault = str(e)
        else:
            traits, _ = self.provider_traits(providers[host])
            self.fail('server %s asking power metrics through the %s went '
                      'ACTIVE on %s, whose provider did not have %s (it has '
                      'it now: %s)' % (server['id'], source, host,
                                       base.TRAIT, base.TRAIT in traits))
        self.assertIn('No valid host', fault,
                      'the server asking power metrics through the %s '
                      'failed for another reason than the missing trait'
                      % source)

        # The control is the same request in both tests: once is enough.
        if host not in self.twin_went_active_on:
            self.create_server(twin_id, host=host)
            type(self).twin_went_active_on += (host,)

    @decorators.idempotent_id('35f59fe2-1a5a-4c1d-bbe3-89978c341099')
    def test_no_valid_host_without_trait_flavor(self):
        self._check_no_valid_host('flavor')

    @decorators.idempotent_id('7a36395a-4829-44c9-9e3c-599f37311a3b')
    def test_no_valid_host_without_trait_image(self):
        self._check_no_valid_host('image')
