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

"""Reading the share tags a guest sees in the metadata service."""

import json

META_DATA_URL = 'http://169.254.169.254/openstack/latest/meta_data.json'


def share_tags(meta_data_text):
    """Tags of the ``devices`` entries of type ``share`` in meta_data.json.

    :raises ValueError: naming the problem when the text is not the
        metadata document.
    """
    try:
        doc = json.loads(meta_data_text)
    except (TypeError, ValueError) as e:
        raise ValueError('meta_data.json is not JSON (%s): %.200r'
                         % (e, meta_data_text))
    if not isinstance(doc, dict):
        raise ValueError('meta_data.json is not a JSON object: %.200r'
                         % meta_data_text)
    devices = doc.get('devices') or []
    return [d.get('tag') for d in devices
            if isinstance(d, dict) and d.get('type') == 'share']
