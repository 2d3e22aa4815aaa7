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

"""The ``[virtiofs_scaphandre]`` tempest configuration group.

devstack's test-config phase writes it (see the devstack plugin); every test
of this plugin reads only this group plus tempest's own groups.
"""

from oslo_config import cfg

GROUP_NAME = 'virtiofs_scaphandre'

virtiofs_scaphandre_group = cfg.OptGroup(
    name=GROUP_NAME,
    title='virtiofs-scaphandre feature tests',
    help='Options of the tempest plugin that tests sharing a compute host '
         'directory read-only into servers that ask for power metrics.')

VirtiofsScaphandreGroup = [
    cfg.BoolOpt(
        'enabled',
        default=False,
        help='Whether the cloud under test runs the virtiofs-scaphandre '
             'feature. Every test of this plugin skips when False.'),
    cfg.StrOpt(
        'power_metrics_flavor_ref',
        help='ID of a flavor with hw:power_metrics=true and hugepages '
             '(hw:mem_page_size). Tests that need it skip when unset.'),
    cfg.StrOpt(
        'control_flavor_ref',
        help='ID of a flavor without hw:power_metrics, used for control '
             'servers. Tests that need it skip when unset.'),
    cfg.StrOpt(
        'mount_tag',
        default='scaphandre',
        help='virtiofs mount tag that nova-compute [compute] share_local_fs '
             'maps the shared host directory to.'),
    cfg.StrOpt(
        'host_dir',
        default='/var/lib/libvirt/scaphandre',
        help='Host directory shared by [compute] share_local_fs on the '
             'computes. Each server gets <host_dir>/<instance name>.'),
    cfg.StrOpt(
        'readonly_view_dir',
        default='/opt/stack/data/nova/share_local_fs',
        help='Directory under which nova makes the read-only bind mount '
             'given to libvirt: <readonly_view_dir>/<instance name>/<tag>. '
             'It is <[DEFAULT] state_path>/share_local_fs of nova-compute.'),
    cfg.StrOpt(
        'image_ref',
        default='',
        help='Image for the guest mount test. Its kernel must have virtiofs '
             '(CirrOS 0.6.3 or later; 0.6.0 to 0.6.2 do not). Empty means '
             '[compute] image_ref.'),
    cfg.StrOpt(
        'image_ssh_user',
        default='cirros',
        help='SSH user of image_ref; it must be able to run sudo without a '
             'password.'),
    cfg.StrOpt(
        'compute_ssh_user',
        default='stack',
        help='User that tempest logs in as on the computes to run virsh, '
             'findmnt and to write into host_dir (through sudo unless '
             'the user is root).'),
    cfg.StrOpt(
        'compute_ssh_private_key_path',
        default='',
        help='Private key for compute_ssh_user. Empty skips the tests that '
             'need to log in to a compute.'),
    cfg.DictOpt(
        'compute_addresses',
        default={},
        help='Address to SSH to for each compute, as host:address pairs '
             'keyed by the nova-compute service host name. A host not '
             'listed is reached by its host name.'),
    cfg.IntOpt(
        'exporter_period',
        default=5,
        min=1,
        help='Seconds between two rewrites of a value by the tool that '
             'writes into host_dir (Scaphandre\'s qemu exporter: 5). A '
             'guest must see a value rewritten on the host within this '
             'time.'),
    cfg.StrOpt(
        'nova_compute_restart_command',
        default='systemctl restart devstack@n-cpu',
        help='Command run as root on a compute to restart nova-compute. '
             'Empty skips the tests that restart nova-compute.'),
    cfg.StrOpt(
        'nova_compute_config_file',
        default='/etc/nova/nova-cpu.conf',
        help='Configuration file of nova-compute on the computes. The '
             'file-backed memory test appends settings to it and puts it '
             'back afterwards.'),
    cfg.IntOpt(
        'file_backed_memory_mb',
        default=0,
        min=0,
        help='Size in MiB of [libvirt] file_backed_memory that the '
             'file-backed memory test gives one compute for the duration '
             'of the test (restarting its nova-compute twice). 0 skips '
             'that test.'),
]


def list_opts():
    """The group and its options, for the plugin and config generators."""
    return [(virtiofs_scaphandre_group, VirtiofsScaphandreGroup)]
