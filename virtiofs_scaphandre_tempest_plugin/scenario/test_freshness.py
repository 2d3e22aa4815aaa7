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

import time

from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.scenario import base


class FreshnessTest(base.ShareScenarioTest):
    """A value the host rewrites reaches the guest within one period.

    The exporter rewrites each value every [virtiofs_scaphandre]
    exporter_period seconds; a guest that reads it must not see an old
    value for longer than that. Scaphandre rewrites in place (truncate
    and write); other tools write a new file and rename it over the old
    one, which a guest that caches names sees late. Both are tried.
    """

    @classmethod
    def resource_setup(cls):
        super(FreshnessTest, cls).resource_setup()
        cls.guest = cls.boot_class_guest()

    def _check_rewrite(self, rewrite, how):
        """Mount, read a value, let the host rewrite it, time the change.

        The guest polls in a loop of its own; the time is taken from the
        end of the host's write to the return of that loop, SSH included,
        so it can only be longer than what the guest saw.
        """
        share = self.guest.share
        period = self.vs_conf.exporter_period
        host, instance = self.server_location(self.guest.server['id'])
        compute = self.compute_client(host)
        name = data_utils.rand_name('energy_uj')
        path = domain_xml.writable_dir(self.vs_conf.host_dir,
                                       instance) + '/' + name
        compute.write_file(path, '1000')
        self.addCleanup(compute.remove_file, path)
        share.mount()
        self.assertEqual('1000', share.read(name).strip(),
                         'the guest did not read the first value')

        rewrite(compute, path, '2000')
        written = time.monotonic()
        seen = share.wait_for_content(name, '2000', 2 * period).strip()
        elapsed = time.monotonic() - written
        self.assertEqual('2000', seen,
                         'the guest still read %r %.1f s after %s rewrote '
                         '%s %s' % (seen, elapsed, host, path, how))
        self.assertLessEqual(
            elapsed, period,
            'the guest saw the value %s rewrote %s only after %.1f s, more '
            'than one exporter period (%d s)' % (host, how, elapsed, period))

    @decorators.idempotent_id('c245dcb4-75c2-4d53-b1b4-be460beab004')
    def test_value_rewritten_in_place_is_seen_within_a_period(self):
        self._check_rewrite(
            lambda compute, path, value: compute.write_file(path, value),
            'in place')

    @decorators.idempotent_id('1cfa0e62-45fe-48f5-a8e3-7b1da6500cb5')
    def test_value_replaced_by_rename_is_seen_within_a_period(self):
        self._check_rewrite(
            lambda compute, path, value: compute.replace_file(path, value),
            'by rename')
