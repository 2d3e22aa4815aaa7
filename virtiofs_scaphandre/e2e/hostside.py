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

"""The share against whatever can write on the host side.

Whatever writes in the exporter's directory (the exporter, a less
privileged metrics user, a bug) can put a symlink or a file where an
instance directory should be; instance_name_template can put a user's
display name into the instance name; libvirtd and virtiofsd may run in
another mount namespace than nova (containerised computes). Each scenario
runs nova's own spawn code against the real host, libvirt and QEMU.
"""

import os
import re

GROUP = 'host side'
# An absolute path in a text: a slash that does not follow a word.
_ABS_PATH = re.compile(r'(?<![\w.-])/[\w.-]')


def leaks(text, host_words):
    """What of the host a user-visible text shows: [finding]."""
    found = sorted(w for w in host_words if w and w in text)
    paths = sorted(set(m.group(0) for m in _ABS_PATH.finditer(text)))
    if paths:
        found.append('absolute paths starting %s' % ', '.join(paths))
    return found


class Scenario(object):
    """One hostile set-up, nova's answer to it, and what must hold."""

    def __init__(self, label, title, instance_id, must_refuse=True,
                 display_name=None, watch_extra=(), forbid_under=None):
        self.label = label
        self.title = title
        self.instance_id = instance_id
        self.must_refuse = must_refuse
        self.display_name = display_name
        self.watch_extra = list(watch_extra)
        self.forbid_under = forbid_under

    def overrides(self, name_template):
        o = {'label': self.label, 'instance_id': self.instance_id,
             'uuid': '6f1b0a52-0a4e-4d7e-9a55-0e2e%08x' % self.instance_id,
             'name_template': name_template}
        if self.display_name is not None:
            o['display_name'] = self.display_name
            o['name_template'] = '%(display_name)s'
        return o


class HostSideChecks(object):
    """Builds the scenarios on the host, asks nova, judges the outcome."""

    def __init__(self, run):
        self.run = run
        self.decoy = os.path.join(run.run_dir, 'decoy')
        self.escape = os.path.join(run.run_dir, 'absolute-escape')

    def name(self, instance_id):
        return self.run.nova_config()['name_template'] % instance_id

    def scenarios(self):
        return [
            Scenario('link-root', 'instance directory is a symlink to /',
                     0x00e2e011),
            Scenario('link-sibling', "instance directory is a symlink to "
                     "another instance's directory", 0x00e2e012),
            Scenario('not-a-dir', 'instance directory is a regular file',
                     0x00e2e013),
            Scenario('views-parent-link', "the instance's directory of "
                     "read-only views is a symlink (symlinked parent)",
                     0x00e2e014, must_refuse=False,
                     watch_extra=[self.decoy], forbid_under=self.decoy),
            Scenario('name-dotdot', "instance name '..' (display name "
                     "through instance_name_template)", 0x00e2e015,
                     display_name='..'),
            Scenario('name-slash', "instance name 'a/b'", 0x00e2e016,
                     display_name='a/b'),
            Scenario('name-absolute', 'absolute instance name %s'
                     % self.escape, 0x00e2e017, display_name=self.escape,
                     watch_extra=[self.escape]),
        ]

    def plant(self, scenario):
        """Put the hostile thing where nova will look."""
        r = self.run
        path = os.path.join(r.host_dir, self.name(scenario.instance_id))
        if scenario.label == 'link-root':
            os.symlink('/', path)
        elif scenario.label == 'link-sibling':
            os.symlink(r.sibling, path)
        elif scenario.label == 'not-a-dir':
            with open(path, 'w') as f:
                f.write('not a directory\n')
        elif scenario.label == 'views-parent-link':
            os.makedirs(self.decoy)
            views = os.path.join(r.state_path, 'share_local_fs')
            os.makedirs(views, exist_ok=True)
            os.symlink(self.decoy, os.path.join(
                views, self.name(scenario.instance_id)))

    def check(self):
        r = self.run
        scenarios = self.scenarios()
        for scenario in scenarios:
            self.plant(scenario)
        cfg = r.nova_config()
        cfg['attempts'] = [s.overrides(cfg['name_template'])
                           for s in scenarios]
        cfg['watch'] = [r.host_dir, r.state_path]
        for s in scenarios:
            cfg['watch'].extend(s.watch_extra)
        cfg['mount_root'] = r.run_dir
        results = r.nova('attempts', cfg, timeout=600)
        for scenario in scenarios:
            self.judge(scenario, results[scenario.label])

    def host_words(self):
        r = self.run
        return [r.run_dir, r.host_dir, r.state_path,
                r.nova_config()['host']]

    def judge(self, scenario, out):
        add = self.run.result.add
        title = scenario.title
        made = out['new_mounts'] + out['new_paths']
        if scenario.must_refuse:
            add(GROUP, '%s: nova refuses it' % title, out['refused'] and not
                out['domain_defined'], self.outcome(out))
            add(GROUP, '%s: nothing mounted%s' % (title, (
                ' or made' if scenario.display_name is not None else '')),
                not out['new_mounts'] and (scenario.display_name is None or
                                           not out['new_paths']),
                'new mounts: %s; new paths: %s' % (
                    _some(out['new_mounts']), _some(out['new_paths'])))
        else:
            inside = [p for p in made
                      if p == scenario.forbid_under or
                      p.startswith(scenario.forbid_under + '/')]
            add(GROUP, '%s: nothing made or mounted through the link' % title,
                not inside, 'made through the link: %s; %s' % (
                    _some(inside), self.outcome(out)))
        if out['refused']:
            fault = out['user_fault']
            text = fault['message'] + fault.get('details', '')
            if scenario.display_name:
                # The user's own display name echoed back shows nothing of
                # the host.
                text = text.replace(scenario.display_name, '<display name>')
            found = leaks(text, self.host_words())
            add(GROUP, '%s: the fault a non-admin user sees names no host '
                'path and no host name' % title, not found,
                'fault %s: %r%s' % (fault['code'], fault['message'],
                                    '; shows %s' % found if found else ''))
        if out['cleanup_problems']:
            add('cleanup', 'clean up after %s' % scenario.label, False,
                '; '.join(out['cleanup_problems']))

    @staticmethod
    def outcome(out):
        if out['refused']:
            return 'refused: %s: %s' % (
                out['exception'], out['admin_message'][:300])
        return 'accepted (domain %s %s); new mounts: %s' % (
            out['name'], 'defined' if out['domain_defined'] else
            'not defined', _some(out['new_mounts']))


def _some(items, most=6):
    if not items:
        return 'none'
    shown = ', '.join(items[:most])
    if len(items) > most:
        shown += ' and %d more' % (len(items) - most)
    return shown
