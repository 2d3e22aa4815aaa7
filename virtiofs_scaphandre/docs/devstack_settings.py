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

"""Read the documented defaults of the devstack plugin's settings file.

The settings table of the docs is generated from devstack/settings, so the
two cannot disagree. The file's convention, which this parser relies on:

* a comment block directly above one or more top-level assignments
  describes them (a group); a blank line or any other statement ends the
  group;
* a comment block directly after an assignment starts a new group;
* ``# shellcheck`` directives are not part of a description;
* a default is written ``NAME=${NAME:-default}`` or
  ``NAME=$(trueorfalse Default NAME)``; anything else is shown as written.
"""

import collections
import re

PREFIX = 'VIRTIOFS_SCAPHANDRE_'

Setting = collections.namedtuple('Setting', 'name default')
Group = collections.namedtuple('Group', 'description settings')

_ASSIGNMENT = re.compile(r'^(%s[A-Z0-9_]+)=(.*)$' % PREFIX)
_PARAMETER_DEFAULT = r'^\$\{%s:-(.*)\}$'
_TRUEORFALSE = r'^\$\(trueorfalse (\S+) %s\)$'


def parse_default(name, value):
    """The default a ``NAME=value`` line gives, as a reader would say it."""
    match = re.match(_PARAMETER_DEFAULT % re.escape(name), value)
    if match:
        return match.group(1)
    match = re.match(_TRUEORFALSE % re.escape(name), value)
    if match:
        return match.group(1)
    return value


def parse(text):
    """Groups of settings in file order; an undocumented group has ''."""
    groups = []
    comment = []
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            name, value = assignment.groups()
            setting = Setting(name, parse_default(name, value))
            if current is None:
                current = Group(' '.join(comment), [])
                groups.append(current)
                comment = []
            current.settings.append(setting)
        elif stripped.startswith('#'):
            if not stripped.startswith('# shellcheck'):
                comment.append(stripped.lstrip('#').strip())
            current = None
        else:
            comment = []
            current = None
    return groups


def undocumented(groups):
    """Names of the settings that no comment describes."""
    return [s.name for g in groups if not g.description for s in g.settings]


def read(path):
    with open(path) as f:
        return parse(f.read())
