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

"""Running commands on the host, with one error type for every failure.

Everything that touches the host goes through a Runner so that the unit
tests can replace it with a double that records the commands.
"""

import os
import subprocess
import sys


class LocalDevstackError(Exception):
    """A failure the user can act on; the message names the problem."""


class Runner(object):
    """Runs host commands; the unit tests use a recording double."""

    def __init__(self, verbose=False):
        self.verbose = verbose

    def log(self, message):
        print('local-devstack: %s' % message, file=sys.stderr, flush=True)

    def run(self, argv, check=True, capture=False, timeout=None,
            stdout_path=None, input_text=None, env=None):
        """Run argv; return (returncode, output or None).

        stdout_path appends the command's output (stdout and stderr) to a
        log file instead of the terminal. A timeout kills the command and
        raises: nothing the tool runs may hang the user's terminal.
        """
        if self.verbose:
            self.log('+ %s' % ' '.join(argv))
        out = None
        if stdout_path:
            os.makedirs(os.path.dirname(stdout_path), exist_ok=True)
        try:
            if stdout_path:
                with open(stdout_path, 'ab') as log:
                    proc = subprocess.run(
                        argv, stdout=log, stderr=subprocess.STDOUT,
                        timeout=timeout, env=env,
                        input=input_text.encode() if input_text else None)
            else:
                proc = subprocess.run(
                    argv, capture_output=capture, timeout=timeout,
                    env=env, text=True, input=input_text)
                out = proc.stdout if capture else None
        except FileNotFoundError:
            raise LocalDevstackError('command not found: %s' % argv[0])
        except subprocess.TimeoutExpired:
            raise LocalDevstackError(
                'timed out after %ss: %s' % (timeout, ' '.join(argv)))
        if check and proc.returncode != 0:
            detail = ''
            if capture and proc.stderr:
                detail = ': ' + proc.stderr.strip().splitlines()[-1]
            raise LocalDevstackError('command failed (exit %d): %s%s' % (
                proc.returncode, ' '.join(argv), detail))
        return proc.returncode, out

    def spawn_detached(self, argv, log_path, env=None):
        """Start argv in its own session, output to log_path; return pid.

        env: variables added to this process's environment.
        """
        if self.verbose:
            self.log('+ (detached) %s' % ' '.join(argv))
        full_env = dict(os.environ, **(env or {}))
        with open(log_path, 'ab') as log:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
                env=full_env)
        return proc.pid

    def write_file(self, path, text, mode=0o644):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, mode)

    def write_value(self, path, text):
        """Write a /proc or /sys value (no directories, no mode)."""
        if self.verbose:
            self.log('+ echo %s > %s' % (text.strip(), path))
        with open(path, 'w') as f:
            f.write(text)

    def read_file(self, path):
        with open(path) as f:
            return f.read()
