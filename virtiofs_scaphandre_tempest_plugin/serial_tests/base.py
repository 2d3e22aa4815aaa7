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

    def restart_nova_compute(self, host):
        """Restart nova-compute on ``host``.

        The command returns once the new process runs; when it serves
        requests is for the caller to wait for (wait_for_compute_rpc, or
        a trait it reports).
        """
        self.compute_client(host).run(
            self.vs_conf.nova_compute_restart_command)

    def wait_for_compute_rpc(self, server_id):
        """Wait until the server's nova-compute answers an RPC call.

        nova-compute starts its RPC server after init_host (where it
        re-establishes the views of its domains), so an answer to the
        console log request, which the API gets from the compute by RPC,
        shows that start-up is over. Service heartbeats come too rarely
        for that ([DEFAULT] report_interval).
        """
        seen = {}

        def answered():
            try:
                self.servers_client.get_console_output(server_id, length=1)
            except lib_exc.TempestException as e:
                seen['error'] = e
                return False
            return True

        if not test_utils.call_until_true(answered,
                                          CONF.compute.build_timeout,
                                          CONF.compute.build_interval):
            raise lib_exc.TimeoutException(
                'the nova-compute of server %s did not answer within %d s '
                'after its restart: %s' % (server_id,
                                           CONF.compute.build_timeout,
                                           seen.get('error')))

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
