#!/bin/bash
# fake-devstack-functions.sh - a recording test double of the devstack
# functions the plugin calls. Every call is appended to $FAKE_DEVSTACK_LOG
# as one line: the function name, then its arguments, tab-separated.
#
# Knobs (environment):
#   ENABLED_SERVICES       comma list, as in devstack
#   os_PACKAGE, os_VENDOR  as devstack sets them (is_ubuntu / is_fedora);
#                          the tests always set them, so no host file is read
#   FAKE_OPENSTACK_DIR     where the fake `openstack` keeps flavors and images
#   FAKE_APT_MADISON       output of `apt-cache madison` (else nothing)
#   FAKE_APT_SHOW          if set, `apt-cache show` succeeds
#   FAKE_APT_DEB           the .deb `apt-get download` gives
#   FAKE_UMOUNT_BUSY       a path `umount` refuses unless --lazy
#   FAKE_DPKG_OWNS         paths `dpkg -L` / `dpkg -S` report as packaged

FAKE_DEVSTACK_LOG=${FAKE_DEVSTACK_LOG:?FAKE_DEVSTACK_LOG must name a file}

function _fake_record {
    local IFS=$'\t'
    printf '%s\n' "$*" >> "$FAKE_DEVSTACK_LOG"
}

# devstack's own helpers (die, warn, echo_summary, trueorfalse, is_ubuntu,
# is_fedora) are the shared stand-in's; its messages are recorded too.
# shellcheck source=tools/lib/devstack-shim
source "$(dirname "${BASH_SOURCE[0]}")/../../../tools/lib/devstack-shim"

function devstack_shim_report {
    local level=$1
    shift
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then
        shift
    fi
    case $level in
        ERROR) _fake_record die "$*" ;;
        WARNING) _fake_record warn "$*" ;;
    esac
    echo "$level: $*" >&2
}

function echo_summary {
    _fake_record echo_summary "$*"
}

function install_package {
    _fake_record install_package "$@"
}

function define_plugin {
    _fake_record define_plugin "$@"
}

function enable_service {
    local s
    for s in "$@"; do
        if [[ ,$ENABLED_SERVICES, != *,$s,* ]]; then
            ENABLED_SERVICES=${ENABLED_SERVICES:+$ENABLED_SERVICES,}$s
        fi
    done
}

# Like devstack: "nova" and "glance" stand for any of their n-* / g-* services.
function is_service_enabled {
    local s
    for s in "$@"; do
        [[ ,${ENABLED_SERVICES:-}, == *,$s,* ]] && return 0
        [[ $s == nova && ,${ENABLED_SERVICES:-}, == *,n-* ]] && return 0
        [[ $s == glance && ,${ENABLED_SERVICES:-}, == *,g-* ]] && return 0
    done
    return 1
}

function git_clone {
    _fake_record git_clone "$@"
    mkdir -p "$2"
}

function run_process {
    _fake_record run_process "$@"
}

function stop_process {
    _fake_record stop_process "$@"
}

function install_tempest_plugins {
    _fake_record install_tempest_plugins "TEMPEST_PLUGINS=$TEMPEST_PLUGINS"
}

# Working ini helpers (configparser), so the tests can read what was written.
function iniset {
    _fake_record iniset "$@"
    python3 - "$@" <<'PY'
import configparser, sys
path, section, option, value = sys.argv[1:5]
c = configparser.RawConfigParser()
c.optionxform = str
c.read(path)
if not c.has_section(section):
    c.add_section(section)
c.set(section, option, value)
with open(path, 'w') as f:
    c.write(f)
PY
}

function iniget {
    python3 - "$@" <<'PY'
import configparser, sys
path, section, option = sys.argv[1:4]
c = configparser.RawConfigParser()
c.optionxform = str
c.read(path)
if c.has_option(section, option):
    print(c.get(section, option))
PY
}

function inidelete {
    _fake_record inidelete "$@"
    python3 - "$@" <<'PY'
import configparser, sys
path, section, option = sys.argv[1:4]
c = configparser.RawConfigParser()
c.optionxform = str
c.read(path)
if c.has_section(section):
    c.remove_option(section, option)
with open(path, 'w') as f:
    c.write(f)
PY
}

# Privileged commands: recorded, never run.
function sudo {
    "$@"
}

function mount {
    _fake_record mount "$@"
}

function umount {
    _fake_record umount "$@"
    [[ " $* " != *" ${FAKE_UMOUNT_BUSY:-/nonexistent} "* || " $* " == *" --lazy "* ]]
}

function apparmor_parser {
    _fake_record apparmor_parser "$@"
}

function apt-cache {
    case $1 in
        madison) printf '%s\n' "${FAKE_APT_MADISON:-}" ;;
        show) [[ -n ${FAKE_APT_SHOW:-} ]] ;;
        *) return 1 ;;
    esac
}

# apt-get download gives FAKE_APT_DEB (if set) in the current directory.
function apt-get {
    _fake_record apt-get "$@"
    if [[ $1 == download && -n ${FAKE_APT_DEB:-} ]]; then
        cp "$FAKE_APT_DEB" .
        return 0
    fi
    return 1
}

function dpkg {
    local path
    case $1 in
        -L)
            for path in ${FAKE_DPKG_OWNS:-}; do
                echo "$path"
            done ;;
        -S)
            [[ " ${FAKE_DPKG_OWNS:-} " == *" $2 "* ]] ;;
        *) return 1 ;;
    esac
}

# _fake_option_value FILE OPTION DEFAULT - the line after OPTION in a fake
# object's recorded arguments.
function _fake_option_value {
    local value
    value=$(grep -x -A1 -- "$2" "$1" | sed -n 2p)
    echo "${value:-$3}"
}

# _fake_image_json FILE - formats and --property KEY=VALUE lines as JSON.
function _fake_image_json {
    local disk container
    disk=$(_fake_option_value "$1" --disk-format qcow2)
    container=$(_fake_option_value "$1" --container-format bare)
    grep -x -A1 -- --property "$1" | grep -v -x -e --property -e -- |
        python3 -c 'import json, sys
props = dict(line.rstrip("\n").split("=", 1) for line in sys.stdin)
print(json.dumps({"disk_format": sys.argv[1], "container_format": sys.argv[2],
"properties": props}))' "$disk" "$container"
}

# _fake_metadef_property NAMESPACE PROPERTY - glance as if init_glance
# had loaded GLANCE_METADEF_DIR: print the property's name, or fail.
function _fake_metadef_property {
    python3 - "${GLANCE_METADEF_DIR:?}" "$1" "$2" <<'PY'
import glob, json, os, sys
directory, namespace, prop = sys.argv[1:4]
for path in glob.glob(os.path.join(directory, '*.json')):
    with open(path) as f:
        doc = json.load(f)
    if doc.get('namespace') == namespace and prop in doc.get('properties', {}):
        print(prop)
        sys.exit(0)
print('No property %s in namespace %s' % (prop, namespace), file=sys.stderr)
sys.exit(1)
PY
}

# The fake cloud: flavors and images are files named after them.
function openstack {
    _fake_record openstack "$@"
    local dir=${FAKE_OPENSTACK_DIR:?}
    local args=()
    # drop the global options
    while [[ $# -gt 0 ]]; do
        case $1 in
            --os-cloud|--os-region-name) shift 2 ;;
            *) args+=("$1"); shift ;;
        esac
    done
    local kind=${args[0]} verb=${args[1]} name=${args[-1]}
    if [[ $kind == image && $verb == metadef ]]; then
        _fake_metadef_property "${args[-2]}" "${args[-1]}"
        return
    fi
    mkdir -p "$dir/$kind"
    case $verb in
        show)
            [[ -f $dir/$kind/$name ]] || return 1
            if [[ " ${args[*]} " == *" -c id "* ]]; then
                echo "id-$kind-$name"
            elif [[ " ${args[*]} " == *" -f json "* ]]; then
                _fake_image_json "$dir/$kind/$name"
            fi ;;
        create)
            printf '%s\n' "${args[@]}" > "$dir/$kind/$name" ;;
        set)
            [[ -f $dir/$kind/$name ]] || return 1
            printf '%s\n' "${args[@]}" >> "$dir/$kind/$name" ;;
        save)
            [[ -f $dir/$kind/$name ]] || return 1
            local i
            for ((i = 0; i < ${#args[@]}; i++)); do
                if [[ ${args[$i]} == --file ]]; then
                    echo "image data of $name" > "${args[$((i + 1))]}"
                fi
            done ;;
        *) return 1 ;;
    esac
}
