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

"""The documented way for a guest to mount its share at boot.

doc/source/user/guest.rst shows files/mount-power-metrics.cloud-config
as it is; the tempest test runs its script in a real guest.
"""

import os

import yaml

CLOUD_CONFIG = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'files', 'mount-power-metrics.cloud-config')
SCRIPT_PATH = '/var/lib/cloud/scripts/per-boot/mount-power-metrics'
DEFAULT_DIR = '/var/scaphandre'


def script(path=CLOUD_CONFIG):
    """The per-boot script that the cloud-config writes.

    :raises ValueError: naming what is wrong with the file.
    """
    with open(path) as f:
        text = f.read()
    if not text.startswith('#cloud-config\n'):
        raise ValueError('%s does not start with #cloud-config' % path)
    doc = yaml.safe_load(text)
    files = [f for f in (doc or {}).get('write_files') or []
             if f.get('path') == SCRIPT_PATH]
    if len(files) != 1:
        raise ValueError('%s must write %s exactly once' % (path,
                                                            SCRIPT_PATH))
    if files[0].get('permissions') != '0755':
        raise ValueError('%s must be executable (0755) for cloud-init to '
                         'run it' % SCRIPT_PATH)
    return files[0]['content']
