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

"""Runs nova's side of the check (nova_side.py) in the nova venv."""

import json
import os
import subprocess

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class NovaCallError(Exception):
    pass


def call(python, run_dir, logs_dir, command, cfg, timeout=300, label=None,
         prefix=()):
    """The result nova_side printed for command with cfg.

    The config and nova's log go to run_dir as nova-<label>.{json,log};
    logs_dir is where they are kept after the run. prefix wraps the
    command, e.g. to run it in another mount namespace.
    """
    label = label or command
    path = os.path.join(run_dir, 'nova-%s.json' % label)
    with open(path, 'w') as f:
        json.dump(cfg, f)
    log_path = os.path.join(run_dir, 'nova-%s.log' % label)
    kept = os.path.join(logs_dir, os.path.basename(log_path))
    env = dict(os.environ)
    env['PYTHONPATH'] = TOP_DIR
    with open(log_path, 'w') as log:
        try:
            proc = subprocess.run(
                list(prefix) + [python, '-m',
                                'virtiofs_scaphandre.e2e.nova_side', command,
                                path],
                stdout=subprocess.PIPE, stderr=log, env=env, timeout=timeout,
                check=False)
        except subprocess.TimeoutExpired:
            raise NovaCallError('nova %s did not finish in %d s (log: %s)' % (
                label, timeout, kept))
    lines = proc.stdout.decode('utf-8', 'replace').strip().splitlines()
    try:
        out = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise NovaCallError('nova %s printed no result (rc %d, log: %s)' % (
            label, proc.returncode, kept))
    if not out['ok']:
        raise NovaCallError('nova %s failed: %s (log: %s)' % (
            label, out['error'], kept))
    return out['result']
