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

"""Sphinx configuration of the virtiofs-scaphandre documentation."""

import os
import sys

# Our own Sphinx extensions live next to the pages that use them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '_exts'))

extensions = [
    'openstackdocstheme',
    'oslo_config.sphinxext',
    'devstack_settings',
]

project = 'virtiofs-scaphandre'
copyright = '2026, virtiofs-scaphandre developers'

openstackdocs_repo_name = 'openstack/virtiofs-scaphandre'
openstackdocs_bug_project = 'virtiofs-scaphandre'
openstackdocs_bug_tag = 'doc'
openstackdocs_auto_name = False

master_doc = 'index'
source_suffix = '.rst'
exclude_patterns = ['_build']
pygments_style = 'native'

html_theme = 'openstackdocs'
html_static_path = []

# The devstack settings table is generated from this file.
devstack_settings_file = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'devstack',
    'settings')
