#!/usr/bin/env python3
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

"""Render a devstack local.conf from the Zuul job definitions in zuul.d/.

zuul_jobs resolves a job's variables for one node; build() turns them
into a LocalConf: the arguments that devstack's own Zuul role
(roles/write-devstack-local-conf) receives in the gate, as data. text()
writes them in that role's format; devstack_role runs the role's own
module on the same arguments and checks that both agree.

Examples:

  tools/render-local-conf --job virtiofs-scaphandre-tempest \\
      --plugin-path /opt/stack/virtiofs-scaphandre > local.conf
  tools/render-local-conf --job virtiofs-scaphandre-multinode \\
      --role subnode --set HOST_IP=10.0.0.3 --set SERVICE_HOST=10.0.0.2 \\
      --plugin-path /opt/stack/virtiofs-scaphandre
  tools/render-local-conf --compare-with-devstack /opt/stack/devstack

Exit status: 0 on success, 1 when devstack's module writes another
local.conf, 2 with a message naming the problem otherwise.
"""

import argparse
import os
import re
import sys

from virtiofs_scaphandre import zuul_jobs
from virtiofs_scaphandre.zuul_jobs import PROJECT_NAME
from virtiofs_scaphandre.zuul_jobs import RenderError

DEFAULT_BASE_DIR = '/opt/stack'
# Values the caller must give for a role (devstack cannot guess them).
REQUIRED_SETTINGS = {
    'controller': (),
    'subnode': ('HOST_IP', 'SERVICE_HOST'),
}

_BASH_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_BASH_REF = re.compile(r'\$\{?([A-Za-z_][A-Za-z0-9_]*)')


def _as_bash_value(value):
    if isinstance(value, bool):
        return 'True' if value else 'False'
    return str(value)


def _ordered_localrc(localrc):
    """Order settings so a value that uses $OTHER comes after OTHER."""
    ordered = []
    state = {}

    def visit(key, path):
        if state.get(key) == 'done':
            return
        if state.get(key) == 'visiting':
            raise RenderError('devstack_localrc settings refer to each other '
                              'in a loop: %s' % ' -> '.join(path + [key]))
        state[key] = 'visiting'
        for ref in _BASH_REF.findall(localrc[key]):
            if ref != key and ref in localrc:
                visit(ref, path + [key])
        state[key] = 'done'
        ordered.append(key)

    for key in sorted(localrc):
        visit(key, [])
    return ordered


def _quote(value):
    if value.startswith('"') and value.endswith('"') and len(value) > 1:
        return value
    return '"%s"' % value.replace('\\', '\\\\').replace('"', '\\"')


def _check_no_template(job_name, where, value):
    if '{{' in value or '{%' in value:
        raise RenderError(
            'job %s sets %s to an Ansible template (%s); the renderer does '
            'not evaluate templates: give the value with --set or --conf'
            % (job_name, where, value))


def parse_settings(pairs):
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition('=')
        if not sep or not _BASH_NAME.match(key):
            raise RenderError('--set expects NAME=VALUE with a shell variable '
                              'name, got %r' % pair)
        settings[key] = value
    return settings


def parse_conf_overrides(items):
    """Parse 'PHASE|FILE|SECTION|KEY=VALUE' into a local_conf dict."""
    result = {}
    for item in items:
        parts = item.split('|', 3)
        if len(parts) != 4 or '=' not in parts[3] or not all(parts[:3]):
            raise RenderError('--conf expects PHASE|FILE|SECTION|KEY=VALUE '
                              '(e.g. "test-config|$TEMPEST_CONFIG|'
                              'virtiofs_scaphandre|compute_nodes=2"), '
                              'got %r' % item)
        phase, path, section, assignment = parts
        key, _sep, value = assignment.partition('=')
        if not key:
            raise RenderError('--conf %r has an empty option name' % item)
        (result.setdefault(phase, {}).setdefault(path, {})
         .setdefault(section, {}))[key] = value
    return result


class LocalConf(object):
    """A rendered local.conf as data; text() writes it, once.

    The data are the arguments of devstack's write-devstack-local-conf
    role: services {name: bool} ('base' included), localrc {KEY: value},
    plugins {name: url}, local_conf {phase: {file: {section: {key:
    value}}}}; header: comment lines put before them. Callers change the
    data (a setting, a plugin, a service), never the text.
    """

    def __init__(self, header=(), services=None, localrc=None,
                 plugins=None, local_conf=None):
        self.header = list(header)
        self.services = dict(services or {})
        self.localrc = dict(localrc or {})
        self.plugins = dict(plugins or {})
        self.local_conf = local_conf or {}

    def value(self, key):
        """The value localrc gives key (unquoted), or None."""
        found = self.localrc.get(key)
        if found and len(found) > 1 and found[0] == found[-1] == '"':
            found = found[1:-1]
        return found

    def set(self, key, value):
        self.localrc[key] = value

    def add_services(self, verb, names):
        for name in names:
            self.services[name] = verb == 'enable_service'

    def add_plugin(self, name, url):
        self.plugins[name] = url

    def drop_plugin(self, name):
        self.plugins.pop(name, None)

    def add_meta(self, overrides):
        self.local_conf = zuul_jobs.deep_merge(self.local_conf, overrides)

    def role_args(self):
        """Keyword arguments of the role module's LocalConf class."""
        return dict(localrc=dict(self.localrc), localconf=self.local_conf,
                    base_services=None, services=dict(self.services),
                    plugins=dict(self.plugins), base_dir=None,
                    projects=None, project=None, tempest_plugins=None)

    def _localrc_lines(self):
        lines = []
        services = dict(self.services)
        if services:
            # No base service list is known offline: the jobs start from
            # none (the stand-ins set base: false), as the role then does.
            services.pop('base', None)
            lines.append('disable_all_services')
            for name, enabled in services.items():
                if enabled is True or enabled is False:
                    lines.append('%s %s' % (
                        'enable_service' if enabled else 'disable_service',
                        name))
        lines += ['%s=%s' % (key, _quote(self.localrc[key]))
                  for key in _ordered_localrc(self.localrc)]
        # enable_plugin must follow the settings: devstack reads
        # variables such as DEST before it clones plugins.
        lines += ['enable_plugin %s %s' % (name, self.plugins[name])
                  for name in sorted(self.plugins) if self.plugins[name]]
        return lines

    def role_text(self):
        """local.conf as devstack's role writes it from role_args()."""
        parts = ['[[local|localrc]]\n', '\n'.join(self._localrc_lines()),
                 '\n\n']
        for phase, files in self.local_conf.items():
            for path, sections in files.items():
                lines = []
                for section, options in sections.items():
                    lines.append('[%s]' % section)
                    lines += ['%s = %s' % kv for kv in options.items()]
                    lines.append('')
                parts.append('[[%s|%s]]\n%s' % (phase, path,
                                                '\n'.join(lines)))
        return ''.join(parts)

    def text(self):
        return ''.join(line + '\n' for line in self.header) + \
            self.role_text()


def build(zuul_dir, job_name, role='controller', settings=None,
          conf_overrides=None, plugin_path=None, base_dir=DEFAULT_BASE_DIR):
    """The LocalConf of job_name for the role's node."""
    settings = dict(settings or {})
    variables, chain, _upstream = zuul_jobs.resolve(zuul_dir, job_name,
                                                    role)

    missing = [k for k in REQUIRED_SETTINGS[role] if k not in settings]
    if missing:
        raise RenderError('role %s needs %s: pass --set %s'
                          % (role, ', '.join(missing),
                             ' --set '.join('%s=...' % m for m in missing)))

    header = ['# Rendered by tools/render-local-conf from zuul.d: job %s, '
              'role %s.' % (job_name, role),
              '# Edit zuul.d/, not this file.']
    default_ref, refs = zuul_jobs.project_checkouts(chain)
    devstack_ref = refs.get('devstack', default_ref)
    if devstack_ref:
        header.append('# The job runs devstack from %s: check devstack out '
                      'at that ref.' % devstack_ref)

    services = dict(variables.get('devstack_services') or {})
    if services and services.get('base', True) is not False:
        raise RenderError('job %s keeps devstack\'s base services (base: '
                          'true), whose list is not known offline' %
                          job_name)

    localrc = {}
    for key, value in (variables.get('devstack_localrc') or {}).items():
        if not _BASH_NAME.match(str(key)):
            raise RenderError('job %s: devstack_localrc key %r is not a '
                              'shell variable name' % (job_name, key))
        localrc[key] = _as_bash_value(value)
    for short, ref in sorted(refs.items()):
        # devstack's own ref is the checkout of devstack itself, not a
        # setting; this project is the plugin, placed by the caller.
        if short in (PROJECT_NAME, 'devstack'):
            continue
        localrc.setdefault('%s_BRANCH' % short.upper().replace('-', '_'),
                           ref)
    tempest_plugins = variables.get('tempest_plugins') or []
    if tempest_plugins and 'TEMPEST_PLUGINS' not in localrc:
        paths = []
        for name in tempest_plugins:
            if name == PROJECT_NAME and plugin_path:
                paths.append(plugin_path)
            else:
                paths.append(os.path.join(base_dir, name))
        localrc['TEMPEST_PLUGINS'] = ' '.join(paths)
    localrc.update(settings)
    _ordered_localrc(localrc)  # refuses a reference loop
    for key in localrc:
        if key not in settings:
            _check_no_template(job_name, 'devstack_localrc.%s' % key,
                               localrc[key])

    plugins = variables.get('devstack_plugins') or {}
    if PROJECT_NAME not in plugins:
        raise RenderError('job %s does not enable the devstack plugin %s '
                          '(devstack_plugins: %s)'
                          % (job_name, PROJECT_NAME,
                             ', '.join(sorted(plugins)) or 'none'))
    plugin_urls = {}
    for name in sorted(plugins):
        url = plugins[name]
        if not url:
            continue
        if name == PROJECT_NAME and plugin_path:
            url = 'file://%s' % plugin_path
        _check_no_template(job_name, 'devstack_plugins.%s' % name, url)
        plugin_urls[name] = url

    meta = zuul_jobs.deep_merge(
        variables.get('devstack_local_conf') or {}, conf_overrides or {})
    for phase in meta:
        for path in meta[phase]:
            for section, options in meta[phase][path].items():
                for key in list(options):
                    value = _as_bash_value(options[key])
                    _check_no_template(
                        job_name, 'devstack_local_conf %s %s [%s] %s'
                        % (phase, path, section, key), value)
                    options[key] = value
    return LocalConf(header, services, localrc, plugin_urls, meta)


def render(zuul_dir, job_name, role='controller', settings=None,
           conf_overrides=None, plugin_path=None, base_dir=DEFAULT_BASE_DIR):
    """Return the text of local.conf for job_name on the role's node."""
    return build(zuul_dir, job_name, role, settings, conf_overrides,
                 plugin_path, base_dir).text()


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='render-local-conf',
        description='Render a devstack local.conf from a zuul.d job.')
    parser.add_argument('--zuul-dir', default=zuul_jobs.DEFAULT_ZUUL_DIR,
                        help='directory of Zuul config (default: %(default)s)')
    parser.add_argument('--job', help='job name, e.g. '
                        'virtiofs-scaphandre-tempest')
    parser.add_argument('--role', default='controller',
                        choices=zuul_jobs.ROLES,
                        help='node role (default: %(default)s)')
    parser.add_argument('--set', dest='settings', action='append',
                        default=[], metavar='NAME=VALUE',
                        help='localrc setting that wins over the job '
                        '(HOST_IP, SERVICE_HOST, GIT_BASE, passwords...)')
    parser.add_argument('--conf', action='append', default=[],
                        metavar='PHASE|FILE|SECTION|KEY=VALUE',
                        help='local.conf meta-section option that wins '
                        'over the job')
    parser.add_argument('--disable-service', action='append', default=[],
                        metavar='NAME', help='devstack service to disable '
                        'on top of the job (e.g. one whose code is not '
                        'reachable)')
    parser.add_argument('--plugin-path',
                        help='absolute path of this project on the devstack '
                        'node, used for enable_plugin and TEMPEST_PLUGINS '
                        '(default: the job\'s URL and %s/%s); devstack uses '
                        'the tree in place when it is $DEST/%s'
                        % (DEFAULT_BASE_DIR, PROJECT_NAME, PROJECT_NAME))
    parser.add_argument('--base-dir', default=DEFAULT_BASE_DIR,
                        help='devstack DEST (default: %(default)s)')
    parser.add_argument('--output', '-o',
                        help='write here instead of standard output')
    parser.add_argument('--show', metavar='VAR',
                        help='print a resolved job variable as JSON (e.g. '
                        'tempest_test_regex), or "checkouts"')
    parser.add_argument('--list-jobs', action='store_true',
                        help='print the jobs that can be rendered')
    parser.add_argument('--compare-with-devstack', metavar='DEVSTACK_DIR',
                        help="render every job and role with this tool and "
                        "with devstack's write-devstack-local-conf module "
                        "of this devstack tree; exit 1 if any differs")
    args = parser.parse_args(argv)
    if not (args.list_jobs or args.compare_with_devstack or args.job):
        parser.error('--job is required (see --list-jobs)')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.compare_with_devstack:
            # Imported here: it loads this module's builder.
            from virtiofs_scaphandre import devstack_role
            return 1 if devstack_role.compare_all(
                args.zuul_dir, args.compare_with_devstack) else 0
        if args.list_jobs:
            text = '\n'.join(zuul_jobs.list_jobs(args.zuul_dir)) + '\n'
        elif args.show:
            text = zuul_jobs.show(args.zuul_dir, args.job, args.role,
                                  args.show) + '\n'
        else:
            # The path is on the machine that runs devstack, which need
            # not be this one: it can only be checked for form.
            if args.plugin_path and not os.path.isabs(args.plugin_path):
                raise RenderError('--plugin-path must be an absolute path on '
                                  'the devstack node, got %s'
                                  % args.plugin_path)
            conf = build(args.zuul_dir, args.job, args.role,
                         parse_settings(args.settings),
                         parse_conf_overrides(args.conf),
                         args.plugin_path, args.base_dir)
            conf.add_services('disable_service', args.disable_service)
            text = conf.text()
    except RenderError as exc:
        sys.stderr.write('render-local-conf: %s\n' % exc)
        return 2
    if args.output:
        with open(args.output, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
