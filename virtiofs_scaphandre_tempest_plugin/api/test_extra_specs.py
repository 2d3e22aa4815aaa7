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

from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base

NON_BOOLEANS = ('foo', '2', 'enabled', 'truee')
BOOLEANS = ('true', 'False', '1', 'no')


class PowerMetricsExtraSpecTest(base.VirtiofsScaphandreTest):
    """nova validates hw:power_metrics as a boolean.

    Accepted booleans show that the extra spec is registered: nova would
    refuse any unknown hw: key, so a 400 alone would prove nothing.
    """

    # Extra specs are validated from 2.86 on.
    min_microversion = '2.86'

    def _new_flavor(self):
        return self.create_flavor(ram=64, vcpus=1, disk=0)

    def _stored_value(self, flavor_id):
        specs = self.admin_flavors_client.list_flavor_extra_specs(
            flavor_id)['extra_specs']
        return specs.get(base.POWER_METRICS_SPEC)

    @decorators.idempotent_id('0fdd8864-4248-4654-b204-47b666479e6f')
    @decorators.attr(type=['negative'])
    def test_non_boolean_values_rejected(self):
        """Each non-boolean value gets 400 and is not stored."""
        accepted = []
        for value in NON_BOOLEANS:
            flavor = self._new_flavor()
            try:
                self.admin_flavors_client.set_flavor_extra_spec(
                    flavor['id'], **{base.POWER_METRICS_SPEC: value})
            except lib_exc.BadRequest:
                pass
            else:
                accepted.append(value)
            stored = self._stored_value(flavor['id'])
            if stored is not None and value not in accepted:
                accepted.append('%s (stored although refused)' % value)
        self.assertEqual([], accepted, 'nova took these values of %s'
                         % base.POWER_METRICS_SPEC)

    @decorators.idempotent_id('1317c083-4b4a-49f8-9d28-007319eca2e7')
    def test_boolean_values_accepted(self):
        """Each boolean spelling nova knows is stored as given."""
        stored = {}
        for value in BOOLEANS:
            flavor = self._new_flavor()
            self.admin_flavors_client.set_flavor_extra_spec(
                flavor['id'], **{base.POWER_METRICS_SPEC: value})
            stored[value] = self._stored_value(flavor['id'])
        self.assertEqual({v: v for v in BOOLEANS}, stored,
                         'value given: value stored')
