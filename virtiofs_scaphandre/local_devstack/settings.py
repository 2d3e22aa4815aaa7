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

"""The tool's settings: defaults, a config file, the environment, the CLI.

Later sources win: defaults < config file < LOCAL_DEVSTACK_* environment
variables < command-line options. Every value is checked here, so a typo
fails before anything on the host changes.
"""

import configparser
import ipaddress
import os
import re

from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

ENV_PREFIX = 'LOCAL_DEVSTACK_'
CONFIG_SECTION = 'local-devstack'
DEFAULT_CONFIG = '/etc/local-devstack.conf'

# name: (type, default, help)
OPTIONS = {
    'state_dir': ('path', '/var/lib/local-devstack',
                  'where root filesystems, mirrors, logs and the record '
                  'of host changes live'),
    'devstack_repo': ('str', 'https://opendev.org/openstack/devstack',
                      'git URL or local (bare) repository of devstack'),
    'devstack_branch': ('str', 'master',
                        'devstack branch or commit; master matches nova 34 '
                        '(2026.2), which has no devstack stable branch yet'),
    'git_base': ('str', 'https://opendev.org',
                 "devstack's GIT_BASE; 'mirror' for the local mirrors "
                 'built by the mirror subcommand'),
    'target_branch': ('str', 'master',
                      'branch devstack clones from every project'),
    'upper_constraints': ('str', '',
                          'a local upper-constraints file for the tempest '
                          'venv; empty: devstack downloads it'),
    'image': ('str', '',
              'a local guest image (qcow2/raw or UEC tarball) uploaded '
              'instead of downloading CirrOS; empty: download CirrOS'),
    'job': ('str', '',
            'the Zuul job whose devstack settings make local.conf; empty: '
            'virtiofs-scaphandre-multinode (-trixie with suite = trixie), '
            'or virtiofs-scaphandre-tempest without a subnode'),
    'disable_services': ('words', '',
                         'devstack services to disable on top of the job, '
                         'comma separated (git_base = mirror adds %s)' %
                         ', '.join(('n-novnc', 'etcd3'))),
    'local_conf': ('path', '',
                   'use this local.conf instead of rendering one from the '
                   'Zuul job (the node settings are still added)'),
    'plugin': ('bool', True, "enable this project's devstack plugin"),
    'subnode': ('bool', True, 'also start a compute subnode container'),
    'suite': ('str', 'bookworm', 'Debian suite of the containers'),
    'apt_mirror': ('str', 'http://deb.debian.org/debian',
                   'Debian mirror for debootstrap'),
    'bridge': ('str', 'ldsbr0', 'host bridge joining the containers'),
    'subnet': ('net', '10.213.0.0/24', 'IPv4 subnet of the bridge'),
    'hugepages': ('int', 512, '2 MiB hugepages ADDED to the host pool '
                  'while the cloud is up (0: none)'),
    'min_memory_mb': ('int', 6144, 'MemAvailable needed to start'),
    'min_disk_gb': ('int', 20, 'free disk under state_dir needed'),
    'boot_timeout': ('int', 120, 'seconds for a container to boot'),
    'stack_timeout': ('int', 3600, 'seconds for one stack.sh run'),
    'test_timeout': ('int', 1800, 'seconds for the tempest run'),
    'test_regex': ('str', r'^virtiofs_scaphandre_tempest_plugin\.',
                   'tempest tests the test subcommand runs'),
    'snapshots': ('bool', True,
                  'after stack.sh, keep a snapshot of the stacked nodes; '
                  'up restores a matching one instead of running stack.sh'),
    'keep_snapshots': ('int', 2, 'snapshots kept when a new one is taken '
                       '(the oldest go first)'),
    'health_timeout': ('int', 300, 'seconds a restored or refreshed cloud '
                       'has to report every service up'),
    'extra_localrc': ('list', '', 'extra KEY=VALUE localrc settings, '
                      'comma separated'),
    'provision': ('choice:tool,playbook', 'tool',
                  'who stacks the nodes: this tool, or '
                  'playbooks/dev-vm.yaml over SSH (single node; no '
                  'snapshots)'),
    'ansible_playbook': ('str', 'ansible-playbook',
                         'the ansible-playbook command provision = '
                         'playbook runs'),
}

OFFLINE_DISABLED = ('n-novnc', 'etcd3')
TRUE_WORDS = ('1', 'true', 'yes', 'on')
FALSE_WORDS = ('0', 'false', 'no', 'off')


def _convert(name, value, source):
    kind = OPTIONS[name][0]
    if not isinstance(value, str):
        return value
    where = '%s (from %s)' % (name, source)
    if kind == 'bool':
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
        raise LocalDevstackError('%s: %r is not a boolean' % (where, value))
    if kind == 'int':
        try:
            number = int(value)
        except ValueError:
            raise LocalDevstackError(
                '%s: %r is not an integer' % (where, value))
        if number < 0:
            raise LocalDevstackError('%s: %d is negative' % (where, number))
        return number
    if kind == 'path':
        if value and not os.path.isabs(value):
            raise LocalDevstackError(
                '%s: %r is not an absolute path' % (where, value))
        return value
    if kind == 'net':
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError as e:
            raise LocalDevstackError('%s: %s' % (where, e))
        if net.num_addresses < 16:
            raise LocalDevstackError(
                '%s: %s is too small (need at least a /28)' % (where, net))
        return net
    if kind.startswith('choice:'):
        choices = kind.split(':', 1)[1].split(',')
        if value not in choices:
            raise LocalDevstackError('%s: %r is not one of %s' % (
                where, value, ', '.join(choices)))
        return value
    if kind == 'words':
        items = [i.strip() for i in value.split(',') if i.strip()]
        for item in items:
            if not re.match(r'^[A-Za-z0-9_.-]+$', item):
                raise LocalDevstackError(
                    '%s: %r is not a service name' % (where, item))
        return items
    if kind == 'list':
        items = [i.strip() for i in value.split(',') if i.strip()]
        for item in items:
            key, sep, _ = item.partition('=')
            if not sep or not key.isidentifier():
                raise LocalDevstackError(
                    '%s: %r is not KEY=VALUE' % (where, item))
        return items
    return value


class Settings(object):

    def __init__(self, values):
        self._values = values

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name)

    def as_dict(self):
        return dict(self._values)

    @property
    def machines_dir(self):
        return os.path.join(self.state_dir, 'machines')

    @property
    def mirror_dir(self):
        return os.path.join(self.state_dir, 'git')

    @property
    def logs_dir(self):
        return os.path.join(self.state_dir, 'logs')

    @property
    def uses_mirror(self):
        return self.git_base == 'mirror'

    @property
    def job_name(self):
        if self.job:
            return self.job
        if self.subnode and self.suite == 'trixie':
            # The trixie job: the same devstack settings, Debian 13 nodes.
            return 'virtiofs-scaphandre-multinode-trixie'
        if self.subnode:
            return 'virtiofs-scaphandre-multinode'
        return 'virtiofs-scaphandre-tempest'

    @property
    def disabled_services(self):
        services = list(self.disable_services)
        if self.uses_mirror:
            # Not OpenStack projects: noVNC is cloned from github and etcd
            # is a binary download, neither of which the mirror holds.
            services += [s for s in OFFLINE_DISABLED if s not in services]
        return services


def load(config_path=None, environ=None, overrides=None,
         default_config=None):
    """Build Settings from defaults, config file, environment, overrides.

    default_config is read when it exists and no config file is named;
    the command line passes DEFAULT_CONFIG, nothing else reads the host's.
    """
    environ = os.environ if environ is None else environ
    values = {name: _convert(name, spec[1], 'default')
              for name, spec in OPTIONS.items()}

    path = config_path or environ.get(ENV_PREFIX + 'CONFIG') or ''
    if not path and default_config and os.path.exists(default_config):
        path = default_config
    if path:
        if not os.path.isfile(path):
            raise LocalDevstackError('config file %s does not exist' % path)
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path)
        except configparser.Error as e:
            raise LocalDevstackError('config file %s: %s' % (path, e))
        if parser.sections() and CONFIG_SECTION not in parser.sections():
            raise LocalDevstackError(
                'config file %s: expected a [%s] section, found %s' % (
                    path, CONFIG_SECTION, ', '.join(parser.sections())))
        if CONFIG_SECTION in parser:
            for key, value in parser[CONFIG_SECTION].items():
                if key not in OPTIONS:
                    raise LocalDevstackError(
                        'config file %s: unknown setting %r' % (path, key))
                values[key] = _convert(key, value, path)

    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + 'CONFIG':
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name not in OPTIONS:
            raise LocalDevstackError(
                'unknown setting in environment variable %s' % key)
        values[name] = _convert(name, value, key)

    for name, value in (overrides or {}).items():
        if name not in OPTIONS:
            raise LocalDevstackError('unknown setting %r' % name)
        if value is not None:
            values[name] = _convert(name, value, 'command line')
    return Settings(values)


def describe():
    """Lines documenting every setting, for --help."""
    lines = []
    for name, (kind, default, text) in sorted(OPTIONS.items()):
        lines.append('  %-18s %s (default: %r)' % (name, text, default))
    return '\n'.join(lines)
