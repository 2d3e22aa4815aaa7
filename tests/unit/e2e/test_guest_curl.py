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

"""The SSH guest's curl, run by busybox as in the guest's initramfs."""

import http.server
import os
import shutil
import subprocess
import tempfile
import threading

import testtools

TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
CURL = os.path.join(TOP_DIR, 'tools', 'guest', 'ssh-image.d', 'curl')
BUSYBOX = shutil.which('busybox')
BODY = b'{"devices": [{"type": "share", "tag": "scaphandre"}]}\n'


class _Handler(http.server.BaseHTTPRequestHandler):

    def do_GET(self):
        if self.path == '/openstack/latest/meta_data.json':
            self.send_response(200)
            self.send_header('Content-Length', str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


class GuestCurlTest(testtools.TestCase):

    def setUp(self):
        super(GuestCurlTest, self).setUp()
        # bindep's test profile installs it: without it the guest's curl
        # goes untested, which must not pass unnoticed.
        self.assertIsNotNone(BUSYBOX, 'busybox is not installed (bindep '
                             'test profile: busybox-static)')
        # Only busybox applets on PATH, as in the guest.
        self.bin = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.bin)
        for applet in ('sh', 'nc', 'head', 'grep', 'sed', 'tr', 'mktemp',
                       'rm', 'printf'):
            os.symlink(BUSYBOX, os.path.join(self.bin, applet))
        self.server = http.server.HTTPServer(('127.0.0.1', 0), _Handler)
        thread = threading.Thread(target=self.server.serve_forever)
        thread.daemon = True
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = 'http://127.0.0.1:%d' % self.server.server_port

    def curl(self, *args):
        return subprocess.run(
            [os.path.join(self.bin, 'sh'), CURL] + list(args),
            env={'PATH': self.bin}, capture_output=True, timeout=30)

    def test_body_of_a_200(self):
        r = self.curl('-sf', self.base + '/openstack/latest/meta_data.json')
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertEqual(BODY, r.stdout)

    def test_http_error_exits_22(self):
        r = self.curl('-sf', self.base + '/nothing')
        self.assertEqual(22, r.returncode)
        self.assertEqual(b'', r.stdout)
        self.assertIn(b'404', r.stderr)

    def test_closed_port_exits_7(self):
        port = self.server.server_port
        self.server.server_close()
        r = self.curl('-sf', 'http://127.0.0.1:%d/x' % port)
        self.assertEqual(7, r.returncode)

    def test_https_is_refused_with_a_message(self):
        r = self.curl('-sf', 'https://example.invalid/')
        self.assertEqual(2, r.returncode)
        self.assertIn(b'only http://', r.stderr)
