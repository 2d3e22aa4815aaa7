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

from virtiofs_scaphandre_tempest_plugin.common import guest_mount
from virtiofs_scaphandre_tempest_plugin.common import guest_share
from virtiofs_scaphandre_tempest_plugin.scenario import base


class DocumentedGuestMountTest(base.ShareScenarioTest):
    """The cloud-config of the guest documentation mounts the share.

    The guest image need not run cloud-init: the test runs the per-boot
    script that the cloud-config installs, as cloud-init would at each
    boot.
    """

    @decorators.idempotent_id('f949b9b4-6830-44a8-8771-7cecbf3f9690')
    def test_documented_script_mounts_the_share_read_only(self):
        """The script finds the tag, mounts it read-only, once.

        1. Boot a power-metrics guest; its tag is in meta_data.json.
        2. Run the documented script as root: it finds the tag and mounts
           it read-only at /var/scaphandre.
        3. The guest reads there a file the host wrote afterwards.
        4. Run at the next boot, it leaves the one mount as it is.
        """
        script = guest_mount.script()
        guest = self.boot_guest()
        self.wait_for_tag_in_metadata(guest)
        share = guest_share.GuestShare(guest.share.remote,
                                       self.vs_conf.mount_tag,
                                       guest_mount.DEFAULT_DIR)
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

        host, name = self.server_location(guest.server['id'])
        sentinel, content = self.write_sentinel(host, name)
        self.assertEqual(content, share.read(sentinel).strip(),
                         'the guest read another content at %s'
                         % share.path(sentinel))

        status, out = share.attempt(script)
        self.assertEqual((0, 1), (status, len(share.mounts())),
                         'the script run a second time (exit status, '
                         'mounts): %s' % out.strip())
