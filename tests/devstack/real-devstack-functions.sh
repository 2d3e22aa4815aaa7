#!/bin/bash
# real-devstack-functions.sh - the recording devstack double, but with the
# host's real commands: packages are installed for real (never upgraded),
# and sudo, mount, umount, apt and dpkg are the host's own.

# shellcheck source=tests/unit/devstack/fake-devstack-functions.sh
source "$(dirname "${BASH_SOURCE[0]}")/../unit/devstack/fake-devstack-functions.sh"

unset -f sudo mount umount apparmor_parser apt-cache apt-get dpkg

# --no-upgrade: other work on this host relies on its installed QEMU and
# libvirt; a missing package is installed, a present one left as it is.
function install_package {
    _fake_record install_package "$@"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-upgrade "$@"
}
