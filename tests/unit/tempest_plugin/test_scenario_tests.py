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

"""The scenario test bodies against a scripted cloud.

Each test must pass on the cloud with the feature and fail, naming the
problem, when the scripted cloud breaks the part the test is about.
"""

from unittest import mock

import ddt

from tests.unit.tempest_plugin import fakes
from tests.unit.tempest_plugin import scripted
from virtiofs_scaphandre_tempest_plugin.scenario import test_guest_share
from virtiofs_scaphandre_tempest_plugin.scenario import test_lifecycle
from virtiofs_scaphandre_tempest_plugin.scenario import test_move


class GuestShareTestCase(scripted.ScenarioTestCase):
    """GuestShareTest with its class guest booted on the scripted cloud."""

    cls = test_guest_share.GuestShareTest

    def setUp(self):
        super(GuestShareTestCase, self).setUp()
        self.server = self.cloud.boot()
        self.test.guest = self.cloud.guest(self.server)
        self.test.group_hints = {'group': 'grp'}


class TestReadOnlyShare(GuestShareTestCase):

    method = 'test_guest_reads_host_file_and_cannot_write'

    def setUp(self):
        super(TestReadOnlyShare, self).setUp()
        self.test.wait_for_tag_in_metadata = mock.Mock()
        self.test.assert_guest_has_virtiofs = mock.Mock()

    def test_read_only_share(self):
        self.run_test()
        guest = self.test.wait_for_tag_in_metadata.call_args[0][0]
        self.assertEqual('after remount,rw', guest.share.mounted)

    def test_writable_share_fails(self):
        self.cloud.broken.add('writable')
        self.assert_fails('as mounted: share of server srv1',
                          'not read-only')

    def test_no_share_fails(self):
        self.server.shared = False
        self.assert_fails("no <filesystem> with <target dir='scaphandre'/>")

    def test_nova_did_not_create_the_directory(self):
        self.cloud.broken.add('no directory')
        self.test.guest = self.cloud.guest(self.cloud.boot())
        self.assert_fails('nova did not create')


@ddt.ddt
class TestLifecycle(scripted.ScenarioTestCase):

    cls = test_lifecycle.ShareLifecycleTest
    method = 'test_share_survives_hard_reboot'

    def setUp(self):
        super(TestLifecycle, self).setUp()
        self.test.guest = self.cloud.guest(self.cloud.boot())
        self.patchobject(self.cls, 'share_checked', False)

    @ddt.data(('test_share_survives_hard_reboot', 'hard reboot',
               'after a hard reboot'),
              ('test_share_survives_stop_and_start', 'start',
               'after stop and start'),
              ('test_mounted_share_survives_pause_and_unpause', 'unpause',
               'after pause and unpause'),
              ('test_share_survives_rebuild', 'rebuild', 'after a rebuild'),
              ('test_share_survives_shelve_and_unshelve', 'unshelve',
               'after shelve and unshelve'))
    @ddt.unpack
    def test_share_kept_and_lost(self, method, action, when):
        self.run_test(method)
        self.cloud.broken.add(action)
        self.assert_fails(when, "no <filesystem> with <target dir=",
                          method=method)

    def test_check_before_left_out_after_a_passed_check(self):
        self.test.assert_share_serves = mock.Mock(
            wraps=self.test.assert_share_serves)
        self.run_test('test_share_survives_hard_reboot')
        self.run_test('test_share_survives_rebuild')
        whens = [c[0][1] for c in
                 self.test.assert_share_serves.call_args_list]
        self.assertEqual(['before the action', 'after a hard reboot',
                          'after a rebuild'], whens)

    def test_check_before_made_again_after_a_failed_test(self):
        self.cloud.broken.add('hard reboot')
        self.assert_fails('after a hard reboot')
        self.cloud.broken.discard('hard reboot')
        self.assert_fails('before the action',
                          method='test_share_survives_rebuild')

    def test_unshelved_elsewhere_reads_the_new_host(self):
        self.run_test('test_share_survives_shelve_and_unshelve')
        self.assertEqual('cmp2', self.cloud.servers['srv1'].host)

    def test_offloaded_server_keeps_a_view(self):
        self.cloud.broken.add('old view kept')
        self.assert_fails('shelve-offloaded server srv1 left its view on '
                          'cmp1', method='test_share_survives_shelve_and_'
                          'unshelve')

    def test_pause_switched_off_skips(self):
        self.conf.set_override('pause', False, 'compute-feature-enabled')
        e = self.assertRaises(
            self.test.skipException, self.run_test,
            'test_mounted_share_survives_pause_and_unpause')
        self.assertIn('[compute-feature-enabled] pause is False', str(e))


@ddt.ddt
class TestMove(scripted.ScenarioTestCase):

    cls = test_move.ShareMoveTest
    method = 'test_share_follows_cold_migration'

    def setUp(self):
        super(TestMove, self).setUp()
        self.test.guest = self.cloud.guest(self.cloud.boot())
        self.test.show_server = lambda server_id: {'flavor': {'disk': 3}}

    @ddt.data(('test_share_follows_cold_migration', 'cold migration'),
              ('test_share_follows_resize', 'resize'))
    @ddt.unpack
    def test_share_follows(self, method, action):
        self.run_test(method)
        self.assertEqual('cmp2', self.cloud.servers['srv1'].host)
        self.cloud.broken.add(action)
        self.assert_fails('after the ' + action, 'no <filesystem>',
                          method=method)

    @ddt.data(('test_share_follows_cold_migration', 'cold migration'),
              ('test_share_follows_resize', 'resize'))
    @ddt.unpack
    def test_old_host_keeps_the_view(self, method, action):
        self.cloud.broken.add('old view kept')
        self.assert_fails('after the confirmed %s of server srv1, the old '
                          'host cmp1 keeps' % action,
                          'mount point %s/instance-00000001/scaphandre'
                          % fakes.VIEW_DIR, method=method)

    def test_guest_still_sees_the_old_hosts_file(self):
        self.cloud.broken.add('old files visible')
        self.assert_fails('which only the old host cmp1 has')

    def test_migration_that_stays_fails(self):
        self.test.servers_client._other_host = lambda server_id: 'cmp1'
        self.assert_fails('the cold migration of server srv1 stayed on '
                          'cmp1')

    def test_resize_gets_a_bigger_disk(self):
        self.run_test('test_share_follows_resize')
        flavor, specs = self.test.power_metrics_flavor.return_value
        self.test.create_flavor_like.assert_called_once_with(
            dict(flavor, disk=4), specs)

    def test_one_compute_with_the_trait_skips(self):
        self.test.hosts_by_trait = lambda: (['cmp1'], ['cmp2'])
        for method in ('test_share_follows_cold_migration',
                       'test_share_follows_resize'):
            e = self.assertRaises(self.test.skipException, self.run_test,
                                  method)
            self.assertIn('placement shows', str(e))


class TestIsolation(GuestShareTestCase):

    method = 'test_guests_on_one_compute_see_only_their_own_directory'

    def test_isolated(self):
        self.run_test()
        self.assertEqual([(None, {'scheduler_hints': {'group': 'grp'}})],
                         self.booted)

    def test_whole_host_directory_shared(self):
        self.cloud.broken.add('shared directory')
        self.assert_fails('guest 1: the guest could not read')

    def test_other_guests_files_visible(self):
        self.cloud.broken.add('leak')
        self.assert_fails('guest 1 (instance-00000001) lists what belongs '
                          'to instance-00000002')

    def test_spread_over_two_computes(self):
        self.test.boot_guest = mock.Mock(side_effect=lambda **kw: (
            self.cloud.guest(self.cloud.boot('cmp2'))))
        self.assert_fails("the affinity group spread the guests over "
                          "['cmp1', 'cmp2']")

    def test_without_the_affinity_filter_skips(self):
        self.test.group_hints = None
        e = self.assertRaises(self.test.skipException, self.run_test)
        self.assertIn('ServerGroupAffinityFilter is not in '
                      '[compute-feature-enabled] scheduler_enabled_filters',
                      str(e))
        self.assertFalse(self.test.boot_guest.called)


@ddt.ddt
class TestFreshness(GuestShareTestCase):

    method = 'test_value_rewritten_in_place_is_seen_within_a_period'

    def setUp(self):
        super(TestFreshness, self).setUp()
        self.test.guest.share.mount()
        self.clock = self.patch(
            'virtiofs_scaphandre_tempest_plugin.scenario.test_guest_share.'
            'time.monotonic', side_effect=[100.0, 101.5])

    @ddt.data('test_value_rewritten_in_place_is_seen_within_a_period',
              'test_value_replaced_by_rename_is_seen_within_a_period')
    def test_fresh(self, method):
        self.run_test(method)

    def test_stale_value(self):
        self.cloud.broken.add('stale')
        self.assert_fails("the guest still read '1000' 1.5 s after cmp1 "
                          "rewrote")

    def test_seen_too_late(self):
        self.clock.side_effect = [100.0, 106.0]
        self.assert_fails('only after 6.0 s, more than one exporter period '
                          '(5 s)')
