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

"""Checks, timings and versions of one run: the readable report and JSON."""

import json
import time


class Check(object):
    """One named check with its outcome and what was observed."""

    def __init__(self, group, name, ok, detail='', skipped=False):
        self.group = group
        self.name = name
        self.ok = bool(ok)
        self.detail = detail
        self.skipped = skipped

    @property
    def status(self):
        if self.skipped:
            return 'SKIP'
        return 'PASS' if self.ok else 'FAIL'

    def to_dict(self):
        return {'group': self.group, 'name': self.name,
                'status': self.status, 'detail': self.detail}


class Result(object):
    """Everything one run found; checks are added in the order they ran."""

    def __init__(self, clock=time.time):
        self._clock = clock
        self.started = clock()
        self.checks = []
        self.timings = {}
        self.versions = {}
        self.info = {}
        self.measurements = {}
        self.error = None

    def add(self, group, name, ok, detail='', skipped=False):
        check = Check(group, name, ok, detail, skipped)
        self.checks.append(check)
        return check

    def skip(self, group, name, why):
        return self.add(group, name, True, why, skipped=True)

    def fail_run(self, message):
        """The run could not go on: a bad environment or an internal error."""
        self.error = message

    def time(self, name, seconds):
        self.timings[name] = round(seconds, 3)

    @property
    def failed(self):
        return [c for c in self.checks if not c.ok and not c.skipped]

    @property
    def passed(self):
        return not self.failed and self.error is None and bool(
            [c for c in self.checks if not c.skipped])

    def exit_code(self):
        if self.error is not None:
            return 2
        return 0 if self.passed else 1

    def to_dict(self):
        counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
        for check in self.checks:
            counts[check.status] += 1
        return {
            'result': 'PASS' if self.passed else (
                'ERROR' if self.error else 'FAIL'),
            'error': self.error,
            'counts': counts,
            'checks': [c.to_dict() for c in self.checks],
            'timings_s': dict(self.timings),
            'measurements': dict(self.measurements),
            'versions': dict(self.versions),
            'info': dict(self.info),
            'started': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                     time.gmtime(self.started)),
            'wall_time_s': round(self._clock() - self.started, 3),
        }

    def write_json(self, path):
        with open(path, 'w') as f:
            json.dump(self.to_dict(), f, indent=2, sort_keys=True)
            f.write('\n')


def render(data):
    """The readable report of Result.to_dict() output."""
    lines = []
    width = 78
    lines.append('=' * width)
    lines.append('virtiofs-scaphandre end-to-end check: %s' % data['result'])
    lines.append('=' * width)
    if data['versions']:
        lines.append('Versions:')
        for key in sorted(data['versions']):
            lines.append('  %-22s %s' % (key, data['versions'][key]))
    if data['info']:
        lines.append('Run:')
        for key in sorted(data['info']):
            value = data['info'][key]
            if isinstance(value, (list, tuple)):
                lines.append('  %-22s' % key)
                for item in value:
                    lines.append('      - %s' % item)
            else:
                lines.append('  %-22s %s' % (key, value))
    group = None
    for check in data['checks']:
        if check['group'] != group:
            group = check['group']
            lines.append('')
            lines.append('[%s]' % group)
        lines.append('  %-4s %s' % (check['status'], check['name']))
        if check['detail']:
            for detail_line in str(check['detail']).splitlines():
                lines.append('         %s' % detail_line)
    if data['measurements']:
        lines.append('')
        lines.append('Measurements:')
        for key in sorted(data['measurements']):
            lines.append('  %-28s %s' % (key, data['measurements'][key]))
    if data['timings_s']:
        lines.append('')
        lines.append('Timings (s):')
        for key in sorted(data['timings_s']):
            lines.append('  %-28s %.3f' % (key, data['timings_s'][key]))
    lines.append('')
    counts = data['counts']
    lines.append('Summary of checks - %d PASS, %d FAIL, %d SKIP - '
                 'wall time %.1f s' % (counts['PASS'], counts['FAIL'],
                                       counts['SKIP'], data['wall_time_s']))
    if data['error']:
        lines.append('ERROR: %s' % data['error'])
    return '\n'.join(lines) + '\n'
