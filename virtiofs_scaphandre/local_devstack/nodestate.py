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

"""What a stacked node holds besides its files, saved and given back.

Before a snapshot, a node's services are stopped in an order that leaves
the databases, the message queue and OVN's databases consistent on disk,
and what a reboot loses is recorded: the addresses, routes, NAT rules and
forwarding that stack.sh set (the public bridge br-ex and its MASQUERADE
rule, for example). After a restore boot the recorded state is put back
before the devstack services start, in the order stack.sh started them.
"""

import glob
import os
import time

from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

WANTS_GLOB = 'etc/systemd/system/*.target.wants/devstack@*.service'
# The units holding data that must be closed cleanly, stopped after the
# devstack services that use them (patterns match loaded units only).
DATA_UNITS = ('mysql*', 'mariadb*', 'rabbitmq-server*', 'ovn-*', 'ovsdb*',
              'openvswitch-switch*', 'libvirtd*', 'virtlogd*',
              'memcached*', 'apache2*')
# Interfaces whose addresses the tool itself sets up at every boot.
OWN_INTERFACES = ('lo', 'host0', ctr.TUNNEL_BRIDGE)
SYSCTLS = ('net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding')
SERVICE_STOP_GRACE = 20
# A refresh restarts idle services: a short grace is enough.
RESTART_GRACE = 10


def devstack_units(node):
    """The devstack@ units stack.sh enabled on this node, sorted."""
    return sorted({os.path.basename(p) for p in glob.glob(
        node.path(WANTS_GLOB))})


def disable_autostart(rootfs):
    """Keep the devstack services from starting before their state."""
    for link in glob.glob(os.path.join(rootfs, WANTS_GLOB)):
        os.remove(link)


def _run(runner, node, argv, **kwargs):
    kwargs.setdefault('timeout', 300)
    return runner.run(node.enter(argv), **kwargs)


def active_units(runner, node, patterns):
    _, out = _run(runner, node, ['systemctl', 'list-units', '--plain',
                                 '--no-legend', '--state=active',
                                 '--type=service'] + list(patterns),
                  check=False, capture=True)
    return sorted(line.split()[0] for line in (out or '').splitlines()
                  if line.strip())


def stop_units(runner, node, pattern, sleep=time.sleep,
               grace=SERVICE_STOP_GRACE):
    """Stop the units matching pattern; kill what is still up after grace.

    devstack's units stop with KillMode=process, which signals the main
    process only, and give it 300 s: nova's conductors take minutes, and a
    worker left behind would keep serving the old code. Every process of
    the units gets SIGTERM at once, and SIGKILL after grace. Their state
    lives in the databases and the queue.
    """
    _run(runner, node, ['systemctl', 'stop', '--no-block', pattern],
         check=False)
    _run(runner, node, ['systemctl', 'kill', '--signal=SIGTERM', pattern],
         check=False)
    waited = 0
    while active_units(runner, node, [pattern]) and waited < grace:
        sleep(2)
        waited += 2
    if active_units(runner, node, [pattern]):
        _run(runner, node, ['systemctl', 'kill', '--signal=SIGKILL',
                            pattern], check=False)
        _run(runner, node, ['systemctl', 'stop', pattern], check=False)


def stop_devstack_services(runner, node, sleep=time.sleep,
                           grace=SERVICE_STOP_GRACE):
    """Stop every devstack@ service (see stop_units)."""
    stop_units(runner, node, 'devstack@*', sleep=sleep, grace=grace)


def restart_units(runner, node, pattern, sleep=None, grace=RESTART_GRACE):
    """Restart the running units matching pattern; return their names.

    Not "systemctl restart": that waits up to 300 s per unit for a
    graceful stop (stop_units says why).
    """
    units = active_units(runner, node, [pattern])
    stop_units(runner, node, pattern, sleep=sleep or time.sleep, grace=grace)
    start_units(runner, node, units)
    return units


def quiesce(runner, node, sleep=time.sleep):
    """Stop the services so the root filesystem is consistent on disk."""
    stop_devstack_services(runner, node, sleep=sleep)
    _run(runner, node, ['systemctl', 'stop'] + list(DATA_UNITS),
         check=False)
    still = active_units(runner, node, ['devstack@*'] + list(DATA_UNITS))
    if still:
        raise LocalDevstackError(
            'cannot snapshot %s: %s still running after stop' % (
                node.name, ', '.join(still)))


def capture_network(runner, node):
    """Addresses, routes, firewall rules and forwarding a reboot loses."""
    _, addrs = _run(runner, node, ['ip', '-4', '-o', 'addr', 'show'],
                    capture=True)
    addresses = []
    for line in (addrs or '').splitlines():
        fields = line.split()
        if 'inet' not in fields or fields[1] in OWN_INTERFACES:
            continue
        addresses.append([fields[1], fields[fields.index('inet') + 1]])
    _, route_text = _run(runner, node, ['ip', '-4', 'route', 'show'],
                         capture=True)
    routes = []
    for line in (route_text or '').splitlines():
        fields = line.split()
        dev = fields[fields.index('dev') + 1] if 'dev' in fields else ''
        if (not fields or fields[0] == 'default' or 'kernel' in fields or
                dev in OWN_INTERFACES):
            continue
        routes.append(line.strip())
    _, rules = _run(runner, node, ['iptables-save'], check=False,
                    capture=True)
    sysctls = {}
    for name in SYSCTLS:
        rc, out = _run(runner, node, ['sysctl', '-n', name], check=False,
                       capture=True)
        if rc == 0 and out and out.strip():
            sysctls[name] = out.strip()
    return {'addresses': addresses, 'routes': routes,
            'iptables': rules or '', 'sysctls': sysctls}


def wait_for_link(runner, node, dev, timeout=60, sleep=time.sleep):
    """ovs-vswitchd makes its bridges' devices a moment after it starts."""
    waited = 0
    while True:
        rc, _ = _run(runner, node, ['ip', 'link', 'show', 'dev', dev],
                     check=False, capture=True, timeout=30)
        if rc == 0:
            return
        if waited >= timeout:
            raise LocalDevstackError('%s: no interface %s %ds after boot' % (
                node.name, dev, timeout))
        sleep(2)
        waited += 2


def restore_network(runner, node, state, sleep=time.sleep):
    """Give a restored node back what capture_network recorded."""
    for name, value in sorted(state.get('sysctls', {}).items()):
        _run(runner, node, ['sysctl', '-qw', '%s=%s' % (name, value)])
    for dev, cidr in state.get('addresses', []):
        wait_for_link(runner, node, dev, sleep=sleep)
        _run(runner, node, ['ip', 'link', 'set', dev, 'up'])
        _run(runner, node, ['ip', 'addr', 'replace', cidr, 'dev', dev])
    for route in state.get('routes', []):
        _run(runner, node, ['ip', 'route', 'replace'] + route.split())
    if state.get('iptables', '').strip():
        runner.run(node.enter(['iptables-restore']),
                   input_text=state['iptables'], timeout=60)


def start_units(runner, node, units):
    """Start the devstack services as stack.sh left them."""
    if not units:
        return
    _run(runner, node, ['systemctl', 'start'] + list(units), timeout=600)
    active = active_units(runner, node, units)
    failed = [u for u in units if u not in active]
    if failed:
        raise LocalDevstackError('%s: %s did not start (journalctl -u on '
                                 'the node says why)' % (
                                     node.name, ', '.join(failed)))


def wait_for_ovs(runner, node, timeout=120, sleep=time.sleep):
    """ovs-vswitchd has made its bridges (br-ex must exist for its IP)."""
    deadline = timeout
    while deadline > 0:
        rc, _ = _run(runner, node, ['ovs-vsctl', '--timeout=5', 'show'],
                     check=False, capture=True, timeout=30)
        if rc == 0:
            return
        sleep(2)
        deadline -= 2
    raise LocalDevstackError('%s: Open vSwitch did not come up in %ds' % (
        node.name, timeout))
