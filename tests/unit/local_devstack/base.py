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

"""Shared test doubles for tools/local_devstack."""

import os

import fixtures
import testtools

from virtiofs_scaphandre.local_devstack import runner as runner_mod
from virtiofs_scaphandre.local_devstack import settings as settings_mod

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))


class FakeRunner(runner_mod.Runner):
    """Records host commands instead of running them.

    responses maps a tuple prefix of argv to (returncode, output); the
    longest matching prefix wins; unmatched commands succeed with ''.
    File helpers act on real (temporary) files.
    """

    def __init__(self, responses=None):
        super(FakeRunner, self).__init__()
        self.commands = []
        self.responses = dict(responses or {})
        self.logs = []
        self.spawned = []

    def log(self, message):
        self.logs.append(message)

    def run(self, argv, check=True, capture=False, timeout=None,
            stdout_path=None, input_text=None, env=None):
        argv = list(argv)
        self.commands.append(argv)
        best = None
        for prefix, response in self.responses.items():
            if tuple(argv[:len(prefix)]) == prefix and (
                    best is None or len(prefix) > len(best[0])):
                best = (prefix, response)
        rc, out = best[1] if best else (0, '')
        if callable(out):
            out = out(argv)
        if stdout_path:
            os.makedirs(os.path.dirname(stdout_path), exist_ok=True)
            with open(stdout_path, 'a') as f:
                f.write(out or '')
        if check and rc != 0:
            raise runner_mod.LocalDevstackError(
                'command failed (exit %d): %s' % (rc, ' '.join(argv)))
        return rc, (out if capture else None)

    def spawn_detached(self, argv, log_path, env=None):
        self.spawned.append(list(argv))
        self.spawned_env = dict(env or {})
        return 4242

    def ran(self, *prefix):
        return [c for c in self.commands if tuple(c[:len(prefix)]) == prefix]


class SlowServices(object):
    """A node's systemd whose units ignore SIGTERM (nova's conductors).

    Use as a FakeRunner response: list-units shows the units until a
    SIGKILL or a blocking stop, and again after a start; other commands
    answer other_output.
    """

    def __init__(self, units, other_output=''):
        self.units = units
        self.other_output = other_output
        self.active = True

    def __call__(self, argv):
        if 'systemctl' not in argv:
            return self.other_output
        verb = argv[argv.index('systemctl') + 1:]
        if verb[0] == 'list-units':
            return ''.join('%s loaded active running\n' % u
                           for u in self.units) if self.active else ''
        if verb[0] == 'start':
            self.active = True
        elif '--signal=SIGKILL' in verb or verb[:1] == ['stop'] and \
                '--no-block' not in verb:
            self.active = False
        return ''


class TestCase(testtools.TestCase):

    def setUp(self):
        super(TestCase, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        # The developer's own settings must not leak into the tests.
        for key in list(os.environ):
            if key.startswith(settings_mod.ENV_PREFIX):
                self.useFixture(fixtures.EnvironmentVariable(key))

    def settings(self, **overrides):
        values = {'state_dir': os.path.join(self.tmp, 'state')}
        values.update({k: str(v) for k, v in overrides.items()})
        return settings_mod.load(
            config_path=None, environ={}, overrides=values)

    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path
