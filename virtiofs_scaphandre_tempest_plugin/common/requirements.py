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

"""What each test needs from the configuration, and why it skips.

Missing settings make a test skip with the reason; settings that are
present but wrong raise InvalidConfiguration naming the option.
"""

import os

from tempest.lib import exceptions as lib_exc

GROUP = 'virtiofs_scaphandre'

POWER_METRICS_FLAVOR = 'power_metrics_flavor'
CONTROL_FLAVOR = 'control_flavor'
COMPUTE_SSH = 'compute_ssh'
GUEST_SSH = 'guest_ssh'
LIVE_MIGRATION = 'live_migration'
TWO_COMPUTES = 'two_computes'
COLD_MIGRATION = 'cold_migration'
RESIZE = 'resize'
SHELVE = 'shelve'
SUSPEND = 'suspend'
PAUSE = 'pause'
COMPUTE_RESTART = 'compute_restart'
FILE_BACKED_MEMORY = 'file_backed_memory'

ALL_NEEDS = (POWER_METRICS_FLAVOR, CONTROL_FLAVOR, COMPUTE_SSH, GUEST_SSH,
             LIVE_MIGRATION, TWO_COMPUTES, COLD_MIGRATION, RESIZE, SHELVE,
             SUSPEND, PAUSE, COMPUTE_RESTART, FILE_BACKED_MEMORY)

# Server actions that tempest lets a cloud switch off in
# [compute-feature-enabled], by the option that does it.
_FEATURE_OPTIONS = {
    LIVE_MIGRATION: 'live_migration',
    COLD_MIGRATION: 'cold_migration',
    RESIZE: 'resize',
    SHELVE: 'shelve',
    SUSPEND: 'suspend',
    PAUSE: 'pause',
}
# Needs that only make sense with a second compute.
_MULTINODE_NEEDS = (LIVE_MIGRATION, COLD_MIGRATION, TWO_COMPUTES)

# Longest tag that QEMU's vhost-user-fs device accepts.
MAX_TAG_BYTES = 36


def check_values(group):
    """Raise InvalidConfiguration for a set but unusable option."""
    tag = group.mount_tag or ''
    if not tag:
        raise lib_exc.InvalidConfiguration(
            '[%s] mount_tag is empty' % GROUP)
    if len(tag.encode('utf-8')) > MAX_TAG_BYTES:
        raise lib_exc.InvalidConfiguration(
            '[%s] mount_tag %r is longer than %d bytes'
            % (GROUP, tag, MAX_TAG_BYTES))
    for name in ('host_dir', 'readonly_view_dir',
                 'nova_compute_config_file'):
        value = getattr(group, name)
        if not value or not os.path.isabs(value):
            raise lib_exc.InvalidConfiguration(
                '[%s] %s must be an absolute path, got %r'
                % (GROUP, name, value))
    key = group.compute_ssh_private_key_path
    if key and not os.path.isfile(key):
        raise lib_exc.InvalidConfiguration(
            '[%s] compute_ssh_private_key_path %s is not a file'
            % (GROUP, key))


def skip_reason(conf, needs):
    """Why a test needing ``needs`` cannot run here, or None.

    :param conf: tempest's CONF (or anything with the same groups).
    :param needs: names from ALL_NEEDS.
    """
    unknown = set(needs) - set(ALL_NEEDS)
    if unknown:
        raise ValueError('unknown requirements: %s' % sorted(unknown))
    group = getattr(conf, GROUP)
    if not group.enabled:
        return ('[%s] enabled is False: the cloud does not run the '
                'virtiofs-scaphandre feature' % GROUP)
    check_values(group)
    if POWER_METRICS_FLAVOR in needs and not group.power_metrics_flavor_ref:
        return '[%s] power_metrics_flavor_ref is not set' % GROUP
    if CONTROL_FLAVOR in needs and not group.control_flavor_ref:
        return '[%s] control_flavor_ref is not set' % GROUP
    if COMPUTE_SSH in needs and not group.compute_ssh_private_key_path:
        return ('[%s] compute_ssh_private_key_path is not set: cannot log '
                'in to the computes' % GROUP)
    if GUEST_SSH in needs and not conf.validation.run_validation:
        return ('[validation] run_validation is False: cannot log in to '
                'the guest')
    for need in needs:
        option = _FEATURE_OPTIONS.get(need)
        if option and not getattr(conf.compute_feature_enabled, option):
            return '[compute-feature-enabled] %s is False' % option
    if (set(needs) & set(_MULTINODE_NEEDS)
            and conf.compute.min_compute_nodes < 2):
        return ('[compute] min_compute_nodes is %d: the test needs 2 '
                'computes' % conf.compute.min_compute_nodes)
    if COMPUTE_RESTART in needs and not group.nova_compute_restart_command:
        return ('[%s] nova_compute_restart_command is empty: cannot '
                'restart nova-compute' % GROUP)
    if FILE_BACKED_MEMORY in needs:
        if not group.file_backed_memory_mb:
            return ('[%s] file_backed_memory_mb is 0: the file-backed '
                    'memory test is off' % GROUP)
        if not group.nova_compute_restart_command:
            return ('[%s] nova_compute_restart_command is empty: cannot '
                    'reconfigure nova-compute' % GROUP)
    return None
