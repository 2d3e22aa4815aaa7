#!/bin/bash
# plugin.sh - devstack plugin of virtiofs-scaphandre
#
# Dispatches devstack's modes and phases to devstack/lib/virtiofs-scaphandre;
# the work itself lives there and in devstack/lib/hypervisor.

VIRTIOFS_SCAPHANDRE_PLUGIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=devstack/lib/hypervisor
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/hypervisor"
# shellcheck source=devstack/lib/virtiofs-scaphandre
source "$VIRTIOFS_SCAPHANDRE_PLUGIN_DIR/lib/virtiofs-scaphandre"

case "$1:${2:-}" in
    stack:pre-install)
        echo_summary "virtiofs-scaphandre: nova patches and hugepages"
        stack_pre_install_virtiofs_scaphandre
        ;;
    stack:install)
        echo_summary "virtiofs-scaphandre: hypervisor with virtiofsd"
        stack_install_virtiofs_scaphandre
        ;;
    stack:post-config)
        echo_summary "virtiofs-scaphandre: configuring nova"
        stack_post_config_virtiofs_scaphandre
        ;;
    stack:extra)
        echo_summary "virtiofs-scaphandre: flavors, image and exporters"
        stack_extra_virtiofs_scaphandre
        ;;
    stack:test-config)
        echo_summary "virtiofs-scaphandre: configuring tempest"
        stack_test_config_virtiofs_scaphandre
        ;;
    unstack:*)
        unstack_virtiofs_scaphandre
        ;;
    clean:*)
        clean_virtiofs_scaphandre
        ;;
esac
