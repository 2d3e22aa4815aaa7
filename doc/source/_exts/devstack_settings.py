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

"""``.. devstack-settings::``: the plugin's settings table, from the file.

The table is built from devstack/settings at every docs build, so the
documented defaults are the real ones; a setting without a describing
comment is a build warning (an error under ``sphinx-build -W``).
"""

import os

from docutils import nodes
from sphinx.util import docutils as sphinx_docutils
from sphinx.util import logging

from virtiofs_scaphandre.docs import devstack_settings

LOG = logging.getLogger(__name__)


def _entry(*children, **attributes):
    entry = nodes.entry(**attributes)
    entry.extend(children)
    return entry


def _text(text):
    return nodes.paragraph(text=text)


def _literal(text):
    if not text:
        return nodes.paragraph(text='(empty)')
    paragraph = nodes.paragraph()
    paragraph += nodes.literal(text=text)
    return paragraph


class DevstackSettingsDirective(sphinx_docutils.SphinxDirective):
    has_content = False

    def run(self):
        path = os.path.abspath(self.config.devstack_settings_file)
        self.env.note_dependency(path)
        groups = devstack_settings.read(path)
        for name in devstack_settings.undocumented(groups):
            LOG.warning('%s: %s has no describing comment', path, name,
                        location=self.get_location())
        if not groups:
            LOG.warning('%s: no %s* setting found', path,
                        devstack_settings.PREFIX,
                        location=self.get_location())
            return []
        return [self._table(groups)]

    def _table(self, groups):
        table = nodes.table(classes=['devstack-settings'])
        tgroup = nodes.tgroup(cols=3)
        table += tgroup
        for width in (35, 25, 40):
            tgroup += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += nodes.row('', _entry(_text('Variable')),
                          _entry(_text('Default')), _entry(_text('Meaning')))
        tgroup += head
        body = nodes.tbody()
        for group in groups:
            for index, setting in enumerate(group.settings):
                row = nodes.row('', _entry(_literal(setting.name)),
                                _entry(_literal(setting.default)))
                if index == 0 and len(group.settings) > 1:
                    row += _entry(_text(group.description),
                                  morerows=len(group.settings) - 1)
                elif index == 0:
                    row += _entry(_text(group.description))
                body += row
        tgroup += body
        return table


def setup(app):
    app.add_config_value('devstack_settings_file', None, 'env')
    app.add_directive('devstack-settings', DevstackSettingsDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
