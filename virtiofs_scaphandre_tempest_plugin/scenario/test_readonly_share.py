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

from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.scenario import base


class ReadOnlyShareTest(base.ShareScenarioTest):
    """The guest mounts the tag, reads host files and cannot write."""

    @decorators.idempotent_id('cf036e64-595b-4fd3-8d61-6740812de9dc')
    def test_guest_reads_host_file_and_cannot_write(self):
        """A read-only share from the guest's side.

        1. Boot the guest image with the power-metrics flavor; SSH in.
        2. The mount tag is a "share" device in meta_data.json.
        3. On the compute, write a sentinel into <host_dir>/<instance>.
        4. In the guest, mount -t virtiofs <tag> and read the sentinel.
        5. Writing fails; mounted read-only then remounted read-write, it
           fails again; the compute never sees the files.
        """
        guest = self.boot_guest()
        self.wait_for_tag_in_metadata(guest)
        self.assert_guest_has_virtiofs(guest)
        host, name = self.assert_share_serves(guest, 'as mounted')
        guest.share.mount(guest_share.AFTER_REMOUNT_RW)
        self.assert_write_refused(guest, host, name, 'after remount,rw')
