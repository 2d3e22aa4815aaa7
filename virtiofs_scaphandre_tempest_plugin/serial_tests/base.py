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

"""Helpers of the tests that change what every other test relies on.

Taking a trait off a provider, restarting or reconfiguring nova-compute
would break tests running at the same time, so the classes using these
helpers are marked @decorators.serial: tempest runs them alone, whatever
the concurrency.
"""

from oslo_log import log as logging
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.api import base

LOG = logging.getLogger(__name__)
CONF = base.CONF


class HostStateMixin(object):
    """Changes to placement and to nova-compute, undone by clean-ups."""

    def remove_trait_for_this_test(self, rp_uuid):
        """Take COMPUTE_SHARE_LOCAL_FS off a provider until the test ends.

        nova-compute keeps its cached traits and does not push them again
        until its association refresh ([compute]
        resource_provider_association_refresh, 300 s by default), so the
        provider stays without the trait for the few seconds a test needs.
        """
        traits, generation = self.provider_traits(rp_uuid)
        self.rp_client.update_resource_provider_traits(
            rp_uuid, traits=sorted(traits - {base.TRAIT}),
            resource_provider_generation=generation)
        self.addCleanup(self._restore_trait, rp_uuid)

    def _restore_trait(self, rp_uuid):
        for _attempt in range(5):
            traits, generation = self.provider_traits(rp_uuid)
            if base.TRAIT in traits:
                return
            try:
                self.rp_client.update_resource_provider_traits(
                    rp_uuid, traits=sorted(traits | {base.TRAIT}),
                    resource_provider_generation=generation)
                return
            except lib_exc.Conflict:
                LOG.info('Provider %s changed while restoring %s; retrying',
                         rp_uuid, base.TRAIT)
        raise lib_exc.TempestException(
            'could not put %s back on resource provider %s' % (base.TRAIT,
                                                               rp_uuid))

    def wait_for_provider_trait(self, rp_uuid, trait, present):
        """Wait until nova-compute has reported (or dropped) a trait."""
        def reported():
            return (trait in self.provider_traits(rp_uuid)[0]) == present

        if not test_utils.call_until_true(reported,
                                          CONF.compute.build_timeout,
                                          CONF.compute.build_interval):
            raise lib_exc.TimeoutException(
                'resource provider %s still %s %s after %d s'
                % (rp_uuid, 'lacks' if present else 'has', trait,
                   CONF.compute.build_timeout))

    def _compute_service(self, host):
        services = self.os_admin.services_client.list_services(
            binary='nova-compute', host=host)['services']
        if len(services) != 1:
            raise lib_exc.TempestException(
                'expected one nova-compute service on %s, found %s'
                % (host, services))
        return services[0]

    def restart_nova_compute(self, host):
        """Restart nova-compute on host; wait until it reports again.

        The command returns once the old process is gone, so a heartbeat
        after that comes from the new one; the second one comes after
        its start-up (init_host), when its periodic reports begin.
        """
        self.compute_client(host).run(
            self.vs_conf.nova_compute_restart_command)
        last = self._compute_service(host)['updated_at']
        for _heartbeat in range(2):
            last = self._wait_for_heartbeat(host, last)

    def _wait_for_heartbeat(self, host, last):
        seen = {}

        def reported():
            service = self._compute_service(host)
            seen.update(service)
            return (service['state'] == 'up'
                    and service['updated_at'] != last)

        if not test_utils.call_until_true(reported,
                                          CONF.compute.build_timeout,
                                          CONF.compute.build_interval):
            raise lib_exc.TimeoutException(
                'nova-compute on %s did not report after its restart '
                'within %d s (state %s, updated at %s)'
                % (host, CONF.compute.build_timeout, seen.get('state'),
                   seen.get('updated_at')))
        return seen['updated_at']

    def reconfigure_nova_compute(self, host, settings):
        """Append settings to nova-compute's config and restart it.

        A clean-up puts the file back and restarts nova-compute again.
        oslo.config takes the last value of an option found twice, so the
        appended sections win over what the file said.
        """
        compute = self.compute_client(host)
        conf = self.vs_conf.nova_compute_config_file
        backup = '%s.%s' % (conf, data_utils.rand_name('vs-backup'))
        compute.copy_file(conf, backup)
        self.addCleanup(self._restore_nova_compute, host, conf, backup)
        compute.append_file(conf, settings)
        self.restart_nova_compute(host)

    def _restore_nova_compute(self, host, conf, backup):
        compute = self.compute_client(host)
        compute.copy_file(backup, conf)
        compute.remove_file(backup)
        self.restart_nova_compute(host)
