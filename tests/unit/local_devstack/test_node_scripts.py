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

"""The scripts local-devstack runs inside the nodes."""

import importlib.machinery
import importlib.util
import io
import os
import subprocess
import types

from tests.unit.local_devstack import base
from virtiofs_scaphandre.local_devstack import refresh
from virtiofs_scaphandre.local_devstack import restore


def load_health():
    loader = importlib.machinery.SourceFileLoader('cloud_health',
                                                  restore.HEALTH_SRC)
    spec = importlib.util.spec_from_loader('cloud_health', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def ns(**kwargs):
    return types.SimpleNamespace(**kwargs)


class FakeConn(object):

    def __init__(self, services, agents, hypervisors):
        self.compute = ns(
            services=lambda: services,
            hypervisors=lambda details=False: hypervisors)
        self.network = ns(agents=lambda: agents)


def healthy():
    services = [ns(binary='nova-compute', host=h, state='up',
                   status='enabled', updated_at='2026-12-06T12:00:10.000000')
                for h in ('lds-controller', 'lds-subnode')]
    services.append(ns(binary='nova-scheduler', host='lds-controller',
                       state='up', status='enabled', updated_at=None))
    agents = [ns(is_alive=True, agent_type='OVN Controller agent',
                 host='lds-subnode')]
    hypervisors = [ns(name=h, state='up')
                   for h in ('lds-controller', 'lds-subnode')]
    return services, agents, hypervisors


class TestCloudHealth(base.TestCase):

    def setUp(self):
        super(TestCloudHealth, self).setUp()
        self.health = load_health()
        self.computes = ['lds-controller', 'lds-subnode']

    def test_healthy_cloud(self):
        self.assertEqual([], self.health.not_ready(
            FakeConn(*healthy()), self.computes))

    def test_each_problem_is_named(self):
        services, agents, hypervisors = healthy()
        services[1].state = 'down'
        agents[0].is_alive = False
        del hypervisors[1]
        problems = self.health.not_ready(
            FakeConn(services, agents, hypervisors), self.computes)
        self.assertEqual([
            'nova-compute on lds-subnode is down/enabled',
            'network agent OVN Controller agent on lds-subnode is not '
            'alive',
            'lds-subnode is not in the hypervisor list'], problems)

    def test_a_compute_must_report_after_a_restart(self):
        conn = FakeConn(*healthy())
        since = self.health._when('2026-12-06T12:00:20')
        problems = self.health.not_ready(conn, self.computes, since)
        self.assertEqual(2, len(problems))
        self.assertIn('has not reported since the restart', problems[0])

    def test_wait_gives_up_with_the_last_problems(self):
        services, agents, hypervisors = healthy()
        services[0].status = 'disabled'
        ticks = iter(range(0, 1000, 10))
        problems = self.health.wait_ready(
            FakeConn(services, agents, hypervisors), self.computes, 30,
            clock=lambda: next(ticks), sleep=lambda s: None,
            out=io.StringIO())
        self.assertEqual(['nova-compute on lds-controller is up/disabled'],
                         problems)


class TestPluginSteps(base.TestCase):
    """files/plugin-steps with a stand-in devstack tree."""

    def devstack(self):
        top = os.path.join(self.tmp, 'devstack')
        self.write(os.path.join(top, 'functions'),
                   'function GetDistro { :; }\n'
                   'function load_plugin_settings { :; }\n')
        self.write(os.path.join(top, 'lib', 'database'), '')
        self.write(os.path.join(top, 'openrc'),
                   'NOVA_CONF=/etc/nova/nova.conf\n'
                   'NOVA_CPU_CONF=/etc/nova/nova-cpu.conf\n')
        for lib in ('apache', 'tls', 'keystone', 'glance', 'nova',
                    'placement', 'neutron', 'tempest'):
            self.write(os.path.join(top, 'lib', lib), '')
        plugin = os.path.join(self.tmp, 'plugin')
        self.write(os.path.join(plugin, 'devstack', 'plugin.sh'),
                   'case "$1:${2:-}" in\n  stack:*) echo WRONG ;;\nesac\n'
                   'function post_config { echo "conf=$NOVA_CONF"; }\n')
        return top, plugin

    def run_steps(self, *steps):
        top, plugin = self.devstack()
        return subprocess.run(
            ['bash', refresh.STEPS_SRC, top, plugin] + list(steps),
            capture_output=True, text=True, timeout=60,
            env={'PATH': '/usr/bin:/bin'})

    def test_functions_run_in_order_with_variables(self):
        r = self.run_steps('post_config', 'NOVA_CONF=@NOVA_CPU_CONF',
                           'post_config')
        self.assertEqual(0, r.returncode, r.stderr)
        lines = [line for line in r.stdout.splitlines()
                 if line.startswith('conf=')]
        self.assertEqual(['conf=/etc/nova/nova.conf',
                          'conf=/etc/nova/nova-cpu.conf'], lines)
        # plugin.sh was sourced without a phase: its dispatch did nothing.
        self.assertNotIn('WRONG', r.stdout)

    def test_devstack_libraries_source_as_in_stack_sh(self):
        # lib/neutron_plugins/services/l3 looks for an IPv6 default route
        # with a pipeline whose grep finds none on the nodes: fine under
        # stack.sh, which does not set pipefail.
        top, plugin = self.devstack()
        self.write(os.path.join(top, 'lib', 'neutron'),
                   "V6_DEVS=$(printf 'x\\n' | grep via | awk '{print $5}')\n")
        r = subprocess.run(['bash', refresh.STEPS_SRC, top, plugin,
                            'post_config'],
                           capture_output=True, text=True, timeout=60,
                           env={'PATH': '/usr/bin:/bin'})
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertIn('conf=/etc/nova/nova.conf', r.stdout)

    def test_unknown_step_fails(self):
        r = self.run_steps('no_such_function')
        self.assertEqual(1, r.returncode)
        self.assertIn('no function no_such_function', r.stderr)

    def test_failing_step_stops(self):
        top, plugin = self.devstack()
        with open(os.path.join(plugin, 'devstack', 'plugin.sh'), 'a') as f:
            f.write('function broken { false; }\n')
        r = subprocess.run(['bash', refresh.STEPS_SRC, top, plugin,
                            'broken', 'post_config'],
                           capture_output=True, text=True, timeout=60,
                           env={'PATH': '/usr/bin:/bin'})
        self.assertNotEqual(0, r.returncode)
        self.assertNotIn('conf=', r.stdout)
        self.assertIn('plugin-steps: failed (exit 1) at %s' % os.path.join(
            plugin, 'devstack', 'plugin.sh'), r.stderr)
