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

"""local.conf for each node, from the same source as the Zuul jobs.

The devstack settings of the jobs live only in zuul.d; the renderer
(virtiofs_scaphandre.localconf, also tools/render-local-conf) resolves a
job into a LocalConf. This module adds, as data, only what the container
environment needs (addresses, the userspace OVS datapath, local sources,
the hugepage share); the text is written once, into the node.
"""

import os
import re

from virtiofs_scaphandre.local_devstack import hugepages
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre import localconf as renderer

PLUGIN_NAME = 'virtiofs-scaphandre'
PLUGIN_DEST = '/opt/stack/' + PLUGIN_NAME
STACK_LOG = '/opt/stack/logs/stack.sh.log'
UPPER_CONSTRAINTS_DEST = '/opt/stack/local-devstack/upper-constraints.txt'
IMAGE_DIR = '/opt/stack/local-devstack/images'


def node_settings(settings, role, node, controller, wiring=False):
    """KEY=VALUE localrc settings this environment needs, in order.

    wiring adds the subnode-to-controller settings that the renderer
    already takes from the multinode job; a hand-written file needs them.
    """
    values = [
        ('HOST_IP', node.address),
        ('SERVICE_HOST', controller.address),
        ('LOGFILE', STACK_LOG),
        ('LIBVIRT_TYPE', 'qemu'),
        ('IP_VERSION', '4'),
        # The kernel datapath cannot be created in a container.
        ('OVS_DATAPATH_TYPE', 'netdev'),
        # OVN's metadata proxy (haproxy) asks for 2065 file descriptors and
        # fails to start under devstack's default DefaultLimitNOFILE of 2048
        # in the container ("Cannot raise FD limit"): guests then get no SSH
        # key from the metadata service.
        ('ULIMIT_NOFILE', '4096'),
    ]
    if role == 'subnode' and wiring:
        values += [('MYSQL_HOST', controller.address),
                   ('RABBIT_HOST', controller.address),
                   ('GLANCE_HOSTPORT', '%s:9292' % controller.address),
                   ('DATABASE_TYPE', 'mysql')]
    if settings.uses_mirror:
        values.append(('GIT_BASE', 'file:///opt/git'))
    elif settings.git_base:
        values.append(('GIT_BASE', settings.git_base))
    if settings.upper_constraints:
        values.append(('TEMPEST_VENV_UPPER_CONSTRAINTS',
                       UPPER_CONSTRAINTS_DEST))
    if settings.image:
        values += [('DOWNLOAD_DEFAULT_IMAGES', 'False'),
                   ('IMAGE_URLS', 'file://%s/%s' % (
                       IMAGE_DIR, os.path.basename(settings.image)))]
    for item in settings.extra_localrc:
        key, _, value = item.partition('=')
        values.append((key, value))
    return values


def conf_options(settings):
    """local.conf meta-section settings, as PHASE|FILE|SECTION|KEY=VALUE."""
    options = []
    reserved = reserved_hugepages(settings)
    if reserved:
        # The nodes share the host's one pool; each offers only its share
        # to the scheduler, so a full cloud answers NoValidHost instead of
        # failing at spawn on an empty pool.
        options.append('post-config|$NOVA_CONF|DEFAULT|reserved_huge_pages='
                       'node:0,size:%d,count:%d' % (hugepages.PAGE_KB,
                                                    reserved))
    if settings.image.endswith(('-uec.tar.gz', '-uec.tgz')):
        # Live migration copies a UEC image's kernel file, which nova's
        # image inspector rejects ("does not pass safety check ... mbr").
        options.append('post-config|$NOVA_CONF|workarounds|'
                       'disable_deep_image_inspection=True')
    return options


def reserved_hugepages(settings):
    """Pages of the shared pool each compute keeps from the scheduler."""
    nodes = 2 if settings.subnode else 1
    return settings.hugepages - settings.hugepages // nodes


def conf_text(options):
    """The local.conf sections for conf_options (hand-written files)."""
    parts = []
    for option in options:
        phase, conf, section, setting = option.split('|', 3)
        key, _, value = setting.partition('=')
        parts.append('[[%s|%s]]\n[%s]\n%s = %s\n' % (
            phase, conf, section, key, value))
    return '\n'.join(parts)


def render(settings, runner, role, values, top_dir):
    """local.conf of role as data (written to the node once).

    A LocalConf of the Zuul job, or the hand-written file (local_conf)
    with the same methods.

    values: the node's KEY=VALUE settings (node_settings), which win.
    """
    if settings.local_conf:
        path = settings.local_conf
        if role == 'subnode':
            path = _subnode_conf(path)
        if not os.path.isfile(path):
            raise LocalDevstackError('local_conf %s does not exist' % path)
        conf = HandWritten(runner.read_file(path))
        for key, value in values:
            conf.set(key, value)
        conf.add_meta(conf_options(settings))
    else:
        zuul_dir = os.path.join(top_dir, 'zuul.d')
        try:
            conf = renderer.build(
                zuul_dir, settings.job_name, role, settings=dict(values),
                conf_overrides=renderer.parse_conf_overrides(
                    conf_options(settings)),
                plugin_path=PLUGIN_DEST)
        except renderer.RenderError as e:
            raise LocalDevstackError('no local.conf from %s for job %s, '
                                     'role %s: %s (or set local_conf to a '
                                     'hand-written file)' % (
                                         zuul_dir, settings.job_name, role,
                                         e))
    if not settings.plugin:
        conf.drop_plugin(PLUGIN_NAME)
    conf.add_services('disable_service', settings.disabled_services)
    return conf


class HandWritten(object):
    """A developer's own local.conf, with LocalConf's methods.

    Its text is the developer's: settings, services and plugins are added
    at the end of its localrc section, where they win.
    """

    def __init__(self, text):
        self._text = text

    def value(self, key):
        return localrc_value(self._text, key)

    def set(self, key, value):
        self._text = add_localrc_lines(self._text, ['%s=%s' % (key, value)])

    def add_services(self, verb, names):
        if names:
            self._text = add_localrc_lines(
                self._text, ['%s %s' % (verb, n) for n in names])

    def add_plugin(self, name, url):
        self._text = add_localrc_lines(self._text, [
            'enable_plugin %s %s' % (name, url)])

    def drop_plugin(self, name):
        self._text = drop_plugin(self._text, name)

    def add_meta(self, options):
        extra = conf_text(options)
        if extra:
            self._text = self._text.rstrip('\n') + '\n\n' + extra

    def text(self):
        return self._text


def _subnode_conf(path):
    """The subnode's hand-written file sits beside the controller's."""
    root, ext = os.path.splitext(path)
    return root + '.subnode' + (ext or '')


LOCALRC_HEADER = re.compile(r'^\[\[\s*local\s*\|\s*localrc\s*\]\]\s*$')
SECTION_HEADER = re.compile(r'^\[\[.*\]\]\s*$')


def add_localrc(text, values):
    """Append KEY=VALUE lines to the end of the localrc section.

    Appended last, they win over the same keys set earlier in the file.
    """
    return add_localrc_lines(text, ['%s=%s' % kv for kv in values])


def add_localrc_lines(text, new):
    """Append lines to the end of the localrc section (made if absent)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if LOCALRC_HEADER.match(line)), None)
    if start is None:
        return '\n'.join(['[[local|localrc]]'] + new + lines) + '\n'
    end = next((i for i in range(start + 1, len(lines))
                if SECTION_HEADER.match(lines[i])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return '\n'.join(lines[:end] + new + lines[end:]) + '\n'


def localrc_value(text, name):
    """The last value localrc gives name (quotes removed), or None."""
    pattern = re.compile(r'^\s*%s=(.*)$' % re.escape(name))
    value = None
    in_localrc = False
    for line in text.splitlines():
        if SECTION_HEADER.match(line):
            in_localrc = bool(LOCALRC_HEADER.match(line))
            continue
        match = pattern.match(line) if in_localrc else None
        if match:
            value = match.group(1).strip()
            if len(value) > 1 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
    return value


def drop_plugin(text, name):
    """Remove enable_plugin lines for name (plugin disabled by option)."""
    pattern = re.compile(r'^\s*enable_plugin\s+%s(\s|$)' % re.escape(name))
    return '\n'.join(line for line in text.splitlines()
                     if not pattern.match(line)) + '\n'
