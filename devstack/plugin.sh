#!/bin/bash
# plugin.sh - devstack plugin of virtiofs-scaphandre
#
# Dispatches devstack's modes and phases to the phase functions of
# devstack/lib/virtiofs-scaphandre; the steps live in the other lib files,
# one topic each.

VIRTIOFS_SCAPHANDRE_PLUGIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/hugepages
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/hugepages"
# shellcheck source=devstack/lib/apparmor
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/apparmor"
# shellcheck source=devstack/lib/hypervisor
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/hypervisor"
# shellcheck source=devstack/lib/nova-feature
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/nova-feature"
# shellcheck source=devstack/lib/compute-host
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/compute-host"
# shellcheck source=devstack/lib/cloud-resources
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/cloud-resources"
# shellcheck source=devstack/lib/exporters
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/exporters"
# shellcheck source=devstack/lib/tempest-config
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/tempest-config"
# shellcheck source=devstack/lib/virtiofs-scaphandre
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/virtiofs-scaphandre"

case "$1:${2:-}" in
    stack:pre-install)
        echo_summary "virtiofs-scaphandre: nova feature and hugepages"
        virtiofs_scaphandre_stack_pre_install
        ;;
    stack:install)
        echo_summary "virtiofs-scaphandre: hypervisor with virtiofsd"
        virtiofs_scaphandre_stack_install
        ;;
    stack:post-config)
        echo_summary "virtiofs-scaphandre: configuring nova"
        virtiofs_scaphandre_stack_post_config
        ;;
    stack:extra)
        echo_summary "virtiofs-scaphandre: flavors, image and exporter"
        virtiofs_scaphandre_stack_extra
        ;;
    stack:test-config)
        echo_summary "virtiofs-scaphandre: configuring tempest"
        virtiofs_scaphandre_stack_test_config
        ;;
    unstack:*)
        virtiofs_scaphandre_unstack
        ;;
    clean:*)
        virtiofs_scaphandre_clean
        ;;
esac
