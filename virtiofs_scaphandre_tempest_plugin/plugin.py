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

"""Entry point that tempest loads through ``tempest.test_plugins``."""

import os

from tempest import config
from tempest.test_discover import plugins

from virtiofs_scaphandre_tempest_plugin import config as vs_config


class VirtiofsScaphandreTempestPlugin(plugins.TempestPlugin):

    def load_tests(self):
        # Test ids are virtiofs_scaphandre_tempest_plugin.{api,scenario}.*:
        # the tests live in the package itself, whose parent is the top.
        package_dir = os.path.dirname(os.path.abspath(__file__))
        return package_dir, os.path.dirname(package_dir)

    def register_opts(self, conf):
        for group, opts in vs_config.list_opts():
            config.register_opt_group(conf, group, opts)

    def get_opt_lists(self):
        return [(group.name, opts) for group, opts in vs_config.list_opts()]
