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

from tempest.common import compute
from tempest.lib.common.utils import data_utils
from tempest.lib import decorators

from virtiofs_scaphandre_tempest_plugin.common import domain_xml
from virtiofs_scaphandre_tempest_plugin.common import guest_mount
from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.scenario import base

AFFINITY_FILTER = 'ServerGroupAffinityFilter'


class GuestShareTest(base.ShareScenarioTest):
    """What a power-metrics guest reads on its share, and nothing more.

    No test here changes the server, so one guest serves the class
    (tempest runs the tests of a class one after the other); each test
    mounts the share the way it needs. The guest is booted in an affinity
    server group, so that the isolation test can put a second guest on
    its compute.
    """

    @classmethod
    def resource_setup(cls):
        super(GuestShareTest, cls).resource_setup()
        cls.group_hints = None
        kwargs = {}
        if compute.is_scheduler_filter_enabled(AFFINITY_FILTER):
            group = cls.create_test_server_group(policy='affinity')
            cls.group_hints = kwargs['scheduler_hints'] = {
                'group': group['id']}
        cls.guest = cls.boot_class_guest(**kwargs)

    @decorators.idempotent_id('cf036e64-595b-4fd3-8d61-6740812de9dc')
    def test_guest_reads_host_file_and_cannot_write(self):
        """A read-only share from the guest's side.

        1. The mount tag is a "share" device in meta_data.json.
        2. On the compute, write a sentinel into <host_dir>/<instance>.
        3. In the guest, mount -t virtiofs <tag> and read the sentinel.
        4. Writing fails; mounted read-only then remounted read-write, it
           fails again; the compute never sees the files.
        """
        guest = self.guest
        self.wait_for_tag_in_metadata(guest)
        self.assert_guest_has_virtiofs(guest)
        host, name = self.assert_share_serves(guest, 'as mounted')
        guest.share.mount(guest_share.AFTER_REMOUNT_RW)
        self.assert_write_refused(guest, host, name, 'after remount,rw')

    @decorators.idempotent_id('f949b9b4-6830-44a8-8771-7cecbf3f9690')
    def test_documented_script_mounts_the_share_read_only(self):
        """The cloud-config of the guest documentation mounts the share.

        The guest image need not run cloud-init: the test runs the
        per-boot script that the cloud-config installs, as cloud-init
        would at each boot.

        1. The tag is in meta_data.json; nothing is mounted at
           /var/scaphandre.
        2. Run the documented script as root: it finds the tag and mounts
           it read-only at /var/scaphandre.
        3. The guest reads there a file the host wrote afterwards.
        4. Run at the next boot, it leaves the one mount as it is.
        """
        script = guest_mount.script()
        self.wait_for_tag_in_metadata(self.guest)
        share = guest_share.GuestShare(self.guest.share.remote,
                                       self.vs_conf.mount_tag,
                                       guest_mount.DEFAULT_DIR)
        share.unmount()
        self.addCleanup(share.unmount)
        status, out = share.attempt(script)
        self.assertEqual(0, status, 'the documented script failed in the '
                         'guest: %s' % out.strip())
        mounts = share.mounts()
        self.assertEqual(1, len(mounts), 'mounts at %s: %s'
                         % (guest_mount.DEFAULT_DIR, mounts))
        fstype, options = mounts[0]
        self.assertEqual(('virtiofs', True),
                         (fstype, 'ro' in options.split(',')),
                         'the script mounted %s %s at %s' % (
                             fstype, options, guest_mount.DEFAULT_DIR))

        host, name = self.server_location(self.guest.server['id'])
        sentinel, content = self.write_sentinel(host, name)
        self.assertEqual(content, share.read(sentinel).strip(),
                         'the guest read another content at %s'
                         % share.path(sentinel))

        status, out = share.attempt(script)
        self.assertEqual((0, 1), (status, len(share.mounts())),
                         'the script run a second time (exit status, '
                         'mounts): %s' % out.strip())

    # Freshness ----------------------------------------------------------

    def _check_rewrite(self, rewrite, how):
        """Mount, read a value, let the host rewrite it, time the change.

        The exporter rewrites each value every [virtiofs_scaphandre]
        exporter_period seconds; a guest must not see an old value for
        longer than that. The guest polls in a loop of its own; the time
        is taken from the end of the host's write to the return of that
        loop, SSH included, so it can only be longer than what the guest
        saw.
        """
        share = self.guest.share
        period = self.vs_conf.exporter_period
        host, instance = self.server_location(self.guest.server['id'])
        compute_host = self.compute_client(host)
        name = data_utils.rand_name('energy_uj')
        path = domain_xml.writable_dir(self.vs_conf.host_dir,
                                       instance) + '/' + name
        compute_host.write_file(path, '1000')
        self.addCleanup(compute_host.remove_file, path)
        share.mount()
        self.assertEqual('1000', share.read(name).strip(),
                         'the guest did not read the first value')

        rewrite(compute_host, path, '2000')
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
        """Scaphandre rewrites in place (truncate and write)."""
        self._check_rewrite(
            lambda host, path, value: host.write_file(path, value),
            'in place')

    @decorators.idempotent_id('1cfa0e62-45fe-48f5-a8e3-7b1da6500cb5')
    def test_value_replaced_by_rename_is_seen_within_a_period(self):
        """Other tools rename a new file over the old one.

        A guest that caches names would see the new value late.
        """
        self._check_rewrite(
            lambda host, path, value: host.replace_file(path, value),
            'by rename')

    # Isolation ----------------------------------------------------------

    @decorators.idempotent_id('3c08561d-da20-453f-af08-9ed1075ed5ec')
    def test_guests_on_one_compute_see_only_their_own_directory(self):
        """Each guest reads its own directory and nothing of the other's.

        1. Boot a second power-metrics guest in the class guest's
           affinity server group, so the two share a compute.
        2. Each guest's share serves it (files written by the host into
           its own <host_dir>/<instance>).
        3. With a new file in each directory, each guest lists its own
           and neither the other's file nor the other's directory.
        """
        if not self.group_hints:
            raise self.skipException('%s is not in [compute-feature-enabled]'
                                     ' scheduler_enabled_filters'
                                     % AFFINITY_FILTER)
        guests = [self.guest,
                  self.boot_guest(scheduler_hints=self.group_hints)]
        places = [self.assert_share_serves(g, 'guest %d' % (i + 1))
                  for i, g in enumerate(guests)]
        hosts = {host for host, _ in places}
        self.assertEqual(1, len(hosts), 'the affinity group spread the '
                         'guests over %s' % sorted(hosts))
        host = hosts.pop()
        sentinels = [self.write_sentinel(host, instance)[0]
                     for _, instance in places]

        for i, guest in enumerate(guests):
            other = 1 - i
            names = guest.share.names()
            self.assertIn(sentinels[i], names,
                          'guest %d does not list its own %s'
                          % (i + 1, sentinels[i]))
            leaked = {sentinels[other], places[other][1]} & set(names)
            self.assertEqual(set(), leaked,
                             'guest %d (%s) lists what belongs to %s'
                             % (i + 1, places[i][1], places[other][1]))
