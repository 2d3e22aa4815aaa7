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
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base


@ddt.ddt
class PowerMetricsExtraSpecTest(base.VirtiofsScaphandreTest):
    """nova validates hw:power_metrics as a boolean.

    Accepted booleans show that the extra spec is registered: nova would
    refuse any unknown hw: key, so a 400 alone would prove nothing.
    """

    # Extra specs are validated from 2.86 on.
    min_microversion = '2.86'

    def _new_flavor(self):
        return self.create_flavor(ram=64, vcpus=1, disk=0)

    @decorators.idempotent_id('0fdd8864-4248-4654-b204-47b666479e6f')
    @decorators.attr(type=['negative'])
    @ddt.data('foo', '2', 'enabled', 'truee')
    def test_non_boolean_value_rejected(self, value):
        flavor = self._new_flavor()
        self.assertRaises(lib_exc.BadRequest,
                          self.admin_flavors_client.set_flavor_extra_spec,
                          flavor['id'], **{base.POWER_METRICS_SPEC: value})
        specs = self.admin_flavors_client.list_flavor_extra_specs(
            flavor['id'])['extra_specs']
        self.assertNotIn(base.POWER_METRICS_SPEC, specs)

    @decorators.idempotent_id('1317c083-4b4a-49f8-9d28-007319eca2e7')
    @ddt.data('true', 'False', '1', 'no')
    def test_boolean_value_accepted(self, value):
        flavor = self._new_flavor()
        self.admin_flavors_client.set_flavor_extra_spec(
            flavor['id'], **{base.POWER_METRICS_SPEC: value})
        specs = self.admin_flavors_client.list_flavor_extra_specs(
            flavor['id'])['extra_specs']
        self.assertEqual(value, specs.get(base.POWER_METRICS_SPEC))
