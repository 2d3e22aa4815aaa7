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

"""Base class of the virtiofs-scaphandre tests and their shared helpers."""

import io

from oslo_utils import strutils
from tempest.api.compute import base
from tempest.common import waiters
from tempest import config
from tempest.lib.common.utils import data_utils
from tempest.lib.common.utils import test_utils
from tempest.lib import exceptions as lib_exc

from virtiofs_scaphandre_tempest_plugin.common import compute_ssh
from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import requirements

CONF = config.CONF

TRAIT = 'COMPUTE_SHARE_LOCAL_FS'
POWER_METRICS_SPEC = 'hw:power_metrics'
POWER_METRICS_PROP = 'hw_power_metrics'
PAGE_SIZE_SPEC = 'hw:mem_page_size'


def asks_power_metrics(extra_specs):
    return strutils.bool_from_string(extra_specs.get(POWER_METRICS_SPEC))


class VirtiofsScaphandreTest(base.BaseV2ComputeAdminTest):
    """Shared set-up, skips and helpers.

    Subclasses list what they need in ``vs_needs`` (names from
    tempest_plugin.common.requirements); the class skips, naming the
    missing setting, when the configuration cannot provide it.
    """

    vs_needs = ()
    # 2.74: create a server on a given host (still through the scheduler);
    # 2.53: hypervisor ids are the resource provider uuids.
    min_microversion = '2.74'
    # 1.6: provider traits; 1.14: root providers.
    placement_min_microversion = '1.14'

    @classmethod
    def skip_checks(cls):
        # Ours first: a cloud without the feature says so, rather than
        # naming whatever else is missing.
        reason = requirements.skip_reason(CONF, cls.vs_needs)
        if reason:
            raise cls.skipException(reason)
        super(VirtiofsScaphandreTest, cls).skip_checks()

    def skip_unless(self, *needs):
        """Skip this test, naming the setting, unless ``needs`` are met."""
        reason = requirements.skip_reason(CONF, needs)
        if reason:
            raise self.skipException(reason)

    @classmethod
    def setup_clients(cls):
        super(VirtiofsScaphandreTest, cls).setup_clients()
        cls.rp_client = cls.os_admin.resource_providers_client
        cls.admin_hypervisor_client = cls.os_admin.hypervisor_client

    @classmethod
    def resource_setup(cls):
        super(VirtiofsScaphandreTest, cls).resource_setup()
        cls.vs_conf = CONF.virtiofs_scaphandre

    # Flavors and images -------------------------------------------------

    def _flavor_and_specs(self, flavor_id):
        flavor = self.admin_flavors_client.show_flavor(flavor_id)['flavor']
        specs = self.admin_flavors_client.list_flavor_extra_specs(
            flavor_id)['extra_specs']
        return flavor, specs

    def power_metrics_flavor(self):
        """The configured power-metrics flavor and its extra specs."""
        flavor_id = self.vs_conf.power_metrics_flavor_ref
        flavor, specs = self._flavor_and_specs(flavor_id)
        if not asks_power_metrics(specs):
            raise lib_exc.InvalidConfiguration(
                '[virtiofs_scaphandre] power_metrics_flavor_ref %s does not '
                'set %s=true; its extra specs are %s'
                % (flavor_id, POWER_METRICS_SPEC, specs))
        return flavor, specs

    def control_flavor(self):
        flavor_id = self.vs_conf.control_flavor_ref
        flavor, specs = self._flavor_and_specs(flavor_id)
        if asks_power_metrics(specs):
            raise lib_exc.InvalidConfiguration(
                '[virtiofs_scaphandre] control_flavor_ref %s sets %s=%s; a '
                'control flavor must not ask power metrics'
                % (flavor_id, POWER_METRICS_SPEC, specs[POWER_METRICS_SPEC]))
        return flavor, specs

    def create_flavor_like(self, flavor, extra_specs):
        """A new flavor with the sizes of ``flavor`` and ``extra_specs``."""
        new = self.create_flavor(ram=flavor['ram'], vcpus=flavor['vcpus'],
                                 disk=flavor['disk'])
        if extra_specs:
            self.admin_flavors_client.set_flavor_extra_spec(
                new['id'], **extra_specs)
        return new

    def power_metrics_twin_flavor(self):
        """The power-metrics flavor without hw:power_metrics.

        Same sizes and hugepages: a server of this flavor differs from a
        power-metrics server only in not asking power metrics.
        """
        flavor, specs = self.power_metrics_flavor()
        specs = {k: v for k, v in specs.items() if k != POWER_METRICS_SPEC}
        return self.create_flavor_like(flavor, specs), specs

    def copy_image(self, image_id, **properties):
        """Upload a copy of ``image_id`` with extra image properties."""
        image = self.images_client.show_image(image_id)
        data = self.images_client.show_image_file(image_id).data
        new = self.images_client.create_image(
            name=data_utils.rand_name(prefix=CONF.resource_name_prefix,
                                      name=self.__class__.__name__),
            container_format=image['container_format'],
            disk_format=image['disk_format'],
            min_disk=image.get('min_disk', 0),
            min_ram=image.get('min_ram', 0),
            **properties)
        self.addCleanup(test_utils.call_and_ignore_notfound_exc,
                        self.images_client.delete_image, new['id'])
        self.images_client.store_image_file(new['id'], io.BytesIO(data))
        waiters.wait_for_image_status(self.images_client, new['id'],
                                      'active')
        return new['id']

    # Servers ------------------------------------------------------------

    def create_server(self, flavor_id, image_id=None, host=None,
                      wait_until='ACTIVE', **kwargs):
        """Create a server deleted at the end of the test.

        Hugepage servers can fill a small compute, so they do not wait for
        the class clean-up. ``host`` pins the server to a compute through
        the scheduler (admin, microversion 2.74).
        """
        clients = self.os_primary
        if host:
            clients = self.os_admin
            kwargs['host'] = host
        server = self.create_test_server(
            clients=clients, flavor=flavor_id,
            image_id=image_id or CONF.compute.image_ref,
            wait_until=wait_until, **kwargs)
        self.addCleanup(self.delete_server_and_wait, server['id'])
        return server

    def delete_server_and_wait(self, server_id):
        test_utils.call_and_ignore_notfound_exc(
            self.admin_servers_client.delete_server, server_id)
        waiters.wait_for_server_termination(self.admin_servers_client,
                                            server_id)

    def show_server(self, server_id):
        return self.admin_servers_client.show_server(server_id)['server']

    # Placement ----------------------------------------------------------

    def provider_traits(self, rp_uuid):
        body = self.rp_client.list_resource_provider_traits(rp_uuid)
        return set(body['traits']), body['resource_provider_generation']

    def compute_providers(self):
        """{service host: root provider uuid} of the enabled, up computes.

        Hypervisor ids are compute node uuids, which are the uuids of the
        computes' root resource providers.
        """
        hypervisors = self.admin_hypervisor_client.list_hypervisors(
            detail=True)['hypervisors']
        return {h['service']['host']: h['id'] for h in hypervisors
                if h.get('state') == 'up' and h.get('status') == 'enabled'}

    def hosts_by_trait(self):
        """(hosts with the trait, hosts without it), each sorted."""
        with_trait, without = [], []
        for host, rp_uuid in sorted(self.compute_providers().items()):
            traits, _ = self.provider_traits(rp_uuid)
            (with_trait if TRAIT in traits else without).append(host)
        return with_trait, without

    # Compute hosts ------------------------------------------------------

    def compute_client(self, host):
        return compute_ssh.ComputeSSHClient(host, self.vs_conf)

    def server_location(self, server_id):
        """(compute host, libvirt domain name) of a server."""
        server = self.show_server(server_id)
        return (server['OS-EXT-SRV-ATTR:host'],
                server['OS-EXT-SRV-ATTR:instance_name'])

    def get_server_xml(self, server_id):
        """(host, instance name, parsed domain XML) of a server."""
        host, name = self.server_location(server_id)
        xml = self.compute_client(host).dumpxml(name)
        return host, name, domain_xml.parse(xml)

    def share_problems(self, server_id):
        """(host, instance name, problems) of a server's share.

        The domain must share the tag read-only: <readonly/> or nova's
        read-only view, checked on the compute.
        """
        host, name, root = self.get_server_xml(server_id)
        return host, name, self.share_check(host, name, root)[1]

    def share_check(self, host, name, root):
        """(the XML check, its problems and the view's) of a domain."""
        check = domain_xml.check_share(
            root, self.vs_conf.mount_tag, self.vs_conf.host_dir,
            self.vs_conf.readonly_view_dir, name)
        problems = list(check.problems)
        if check.via_readonly_view:
            problems += self.readonly_view_problems(host, name, check.source)
        return check, problems

    def views_left(self, host, instance_name):
        """What a compute still holds of an instance's read-only views."""
        client = self.compute_client(host)
        views = domain_xml.instance_views_dir(self.vs_conf.readonly_view_dir,
                                              instance_name)
        left = ['mount point %s' % m for m in client.mounts_under(views)]
        if client.exists(views):
            left.append('directory %s' % views)
        return left

    def readonly_view_problems(self, host, instance_name, view):
        """Problems of nova's read-only view, checked on the compute.

        ``view`` must be a read-only bind mount of the server's writable
        directory.
        """
        client = self.compute_client(host)
        writable = domain_xml.writable_dir(self.vs_conf.host_dir,
                                           instance_name)
        if not client.exists(view):
            return ['%s, the source of the domain\'s share, does not exist '
                    'on %s' % (view, host)]
        problems = []
        options = client.mount_options(view)
        if options is None:
            problems.append('%s is not a mount point on %s' % (view, host))
        elif not compute_ssh.is_read_only(options):
            problems.append('%s on %s is mounted %s, not read-only'
                            % (view, host, options))
        view_id = client.file_identity(view)
        writable_id = client.file_identity(writable)
        if view_id != writable_id:
            problems.append('%s (device:inode %s) is not a view of %s (%s) '
                            'on %s' % (view, view_id, writable, writable_id,
                                       host))
        return problems
