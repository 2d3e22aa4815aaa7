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

"""Share tags from the metadata service's meta_data.json."""

import json

import ddt
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import metadata


@ddt.ddt
class TestShareTags(base.TestCase):

    @ddt.data(
        ({'devices': [{'type': 'share', 'tag': 'scaphandre',
                       'share_id': 'x', 'bus': 'none'}]}, ['scaphandre']),
        ({'devices': [{'type': 'nic', 'tag': 'scaphandre'},
                      {'type': 'disk', 'tag': 'd'}]}, []),
        ({'devices': [{'type': 'share', 'tag': 'a'},
                      {'type': 'share', 'tag': 'b'}]}, ['a', 'b']),
        ({'uuid': 'x'}, []),
        ({'devices': None}, []),
    )
    @ddt.unpack
    def test_tags(self, doc, tags):
        self.assertEqual(tags, metadata.share_tags(json.dumps(doc)))

    @ddt.data('<html>404</html>', '', '[1, 2]', None)
    def test_not_the_document(self, text):
        e = self.assertRaises(ValueError, metadata.share_tags, text)
        self.assertIn('meta_data.json', str(e))
