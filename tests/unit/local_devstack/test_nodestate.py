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

import os

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import nodestate
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

ADDRS = """\
1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever
2: host0    inet 10.213.0.10/24 brd 10.213.0.255 scope global host0
5: br-lds    inet 10.213.0.10/24 scope global br-lds\\       valid_lft
7: br-ex    inet 172.24.4.1/24 scope global br-ex\\       valid_lft forever
"""
ROUTES = """\
default via 10.213.0.1 dev br-lds
10.0.0.0/26 via 172.24.4.93 dev br-ex
10.213.0.0/24 dev br-lds proto kernel scope link src 10.213.0.10
172.24.4.0/24 dev br-ex proto kernel scope link src 172.24.4.1
"""
RULES = """\
*nat
-A POSTROUTING -s 172.24.4.0/24 -o br-lds -j MASQUERADE
COMMIT
"""


class NodeFixture(base.TestCase):

    def node(self, responses):
        self.runner = base.FakeRunner(responses)
        node = ctr.Container(self.settings(), self.runner, 'lds-controller',
                             0)
        self.write(node.state_path, '{"nspawn_pid": 1, "leader_pid": 77}')
        return node

    def inner(self):
        """The commands run inside the node, without the nsenter part."""
        found = []
        for argv in self.runner.commands:
            if argv[:2] == ['nsenter', '-t']:
                found.append(argv[argv.index('HOME=/root') + 1:])
        return found


class TestNetwork(NodeFixture):

    def responses(self):
        return {('nsenter', '-t', '77', '-a', '--', 'env', '-i',
                 'PATH=' + ctr.CONTAINER_PATH, 'LANG=C.UTF-8', 'TERM=dumb',
                 'HOME=/root') + tuple(argv): (0, out)
                for argv, out in (
                    (['ip', '-4', '-o', 'addr', 'show'], ADDRS),
                    (['ip', '-4', 'route', 'show'], ROUTES),
                    (['iptables-save'], RULES),
                    (['sysctl', '-n', 'net.ipv4.ip_forward'], '1\n'),
                    (['sysctl', '-n', 'net.ipv6.conf.all.forwarding'],
                     '0\n'))}

    def test_capture_keeps_what_stack_sh_made_only(self):
        node = self.node(self.responses())
        state = nodestate.capture_network(self.runner, node)
        self.assertEqual([['br-ex', '172.24.4.1/24']], state['addresses'])
        self.assertEqual(['10.0.0.0/26 via 172.24.4.93 dev br-ex'],
                         state['routes'])
        self.assertEqual(RULES, state['iptables'])
        self.assertEqual({'net.ipv4.ip_forward': '1',
                          'net.ipv6.conf.all.forwarding': '0'},
                         state['sysctls'])

    def test_restore_replays_in_order(self):
        node = self.node(self.responses())
        state = nodestate.capture_network(self.runner, node)
        self.runner.commands = []
        nodestate.restore_network(self.runner, node, state)
        self.assertEqual([
            ['sysctl', '-qw', 'net.ipv4.ip_forward=1'],
            ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=0'],
            ['ip', 'link', 'show', 'dev', 'br-ex'],
            ['ip', 'link', 'set', 'br-ex', 'up'],
            ['ip', 'addr', 'replace', '172.24.4.1/24', 'dev', 'br-ex'],
            ['ip', 'route', 'replace', '10.0.0.0/26', 'via', '172.24.4.93',
             'dev', 'br-ex'],
            ['iptables-restore']], self.inner())

    def test_restore_waits_for_the_bridge_then_gives_up(self):
        node = self.node({})
        shows = []
        real_run = self.runner.run

        def run(argv, **kwargs):
            if 'show' in argv and 'link' in argv:
                shows.append(argv)
                if len(shows) < 3:
                    return 1, ''
            return real_run(argv, **kwargs)
        self.runner.run = run
        sleeps = []
        nodestate.restore_network(self.runner, node, {
            'addresses': [['br-ex', '172.24.4.1/24']]}, sleep=sleeps.append)
        self.assertEqual(3, len(shows))
        self.assertEqual([2, 2], sleeps)
        shows[:] = []
        self.runner.run = lambda argv, **kw: (1, '') if 'show' in argv \
            else real_run(argv, **kw)
        e = self.assertRaises(LocalDevstackError, nodestate.restore_network,
                              self.runner, node,
                              {'addresses': [['br-ex', '172.24.4.1/24']]},
                              sleep=lambda s: None)
        self.assertIn('no interface br-ex', str(e))


class TestServices(NodeFixture):

    def test_units_from_the_wants_links_and_autostart_removed(self):
        node = self.node({})
        wants = node.path('etc/systemd/system/multi-user.target.wants')
        for unit in ('devstack@n-cpu.service', 'devstack@keystone.service',
                     'mysql.service'):
            self.write(os.path.join(wants, unit), '')
        self.assertEqual(['devstack@keystone.service',
                          'devstack@n-cpu.service'],
                         nodestate.devstack_units(node))
        nodestate.disable_autostart(node.rootfs)
        self.assertEqual(['mysql.service'], os.listdir(wants))

    def test_quiesce_kills_slow_services_then_stops_data(self):
        killed = []

        def list_units(argv):
            if '--signal=SIGKILL' in argv:
                killed.append(argv)
            if argv[-1] == 'devstack@*' and 'list-units' in argv and \
                    not killed:
                return 'devstack@n-cond-cell1.service loaded active\n'
            return ''
        node = self.node({})
        self.runner.responses[()] = (0, list_units)
        sleeps = []
        nodestate.quiesce(self.runner, node, sleep=sleeps.append)
        inner = self.inner()
        self.assertIn(['systemctl', 'kill', '--signal=SIGKILL',
                       'devstack@*'], inner)
        stops = [c for c in inner if c[:2] == ['systemctl', 'stop']]
        self.assertEqual(['systemctl', 'stop'] + list(nodestate.DATA_UNITS),
                         stops[-1])
        self.assertEqual(nodestate.SERVICE_STOP_GRACE // 2, len(sleeps))

    def test_every_process_gets_sigterm_not_only_the_main_one(self):
        # KillMode=process units: workers must not keep the old code.
        node = self.node({})
        nodestate.stop_units(self.runner, node, 'devstack@n-*',
                             sleep=lambda s: None)
        self.assertEqual([['systemctl', 'stop', '--no-block', 'devstack@n-*'],
                          ['systemctl', 'kill', '--signal=SIGTERM',
                           'devstack@n-*']], self.inner()[:2])

    def test_restart_starts_what_ran_after_a_short_grace(self):
        node = self.node({})
        self.runner.responses[()] = (0, base.SlowServices(
            ['devstack@n-api.service', 'devstack@n-cond-cell1.service']))
        sleeps = []
        units = nodestate.restart_units(self.runner, node, 'devstack@n-*',
                                        sleep=sleeps.append)
        self.assertEqual(['devstack@n-api.service',
                          'devstack@n-cond-cell1.service'], units)
        inner = self.inner()
        self.assertIn(['systemctl', 'kill', '--signal=SIGKILL',
                       'devstack@n-*'], inner)
        self.assertEqual(['systemctl', 'start'] + units, inner[-2])
        self.assertEqual(nodestate.RESTART_GRACE // 2, len(sleeps))
        self.assertEqual([], [c for c in inner if 'restart' in c])

    def test_quiesce_refuses_when_a_database_keeps_running(self):
        node = self.node({})
        self.runner.responses[()] = (0, lambda argv: (
            'mariadb.service loaded active running\n'
            if 'mysql*' in argv else ''))
        e = self.assertRaises(LocalDevstackError, nodestate.quiesce,
                              self.runner, node, sleep=lambda s: None)
        self.assertIn('cannot snapshot lds-controller: mariadb.service',
                      str(e))

    def test_start_units_names_the_ones_that_failed(self):
        node = self.node({})
        self.runner.responses[()] = (0, lambda argv: (
            'devstack@keystone.service loaded active running\n'
            if 'list-units' in argv else ''))
        e = self.assertRaises(
            LocalDevstackError, nodestate.start_units, self.runner, node,
            ['devstack@keystone.service', 'devstack@n-api.service'])
        self.assertIn('devstack@n-api.service did not start', str(e))
