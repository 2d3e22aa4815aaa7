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

"""Compute host addressing and the commands sent to a compute."""

import types
from unittest import mock

import ddt
from tempest.lib.common import ssh
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import compute_ssh

ADDRESSES = {'cmp1': '192.0.2.10', 'cmp2.example.org': '192.0.2.11',
             'cmp3': ' 192.0.2.12 '}


def group(user='stack', addresses=None):
    return types.SimpleNamespace(
        compute_addresses=ADDRESSES if addresses is None else addresses,
        compute_ssh_user=user,
        compute_ssh_private_key_path='/etc/tempest/compute_key')


@ddt.ddt
class TestComputeAddress(base.TestCase):

    @ddt.data(('cmp1', '192.0.2.10'),
              ('cmp1.example.org', '192.0.2.10'),
              ('cmp2.example.org', '192.0.2.11'),
              ('cmp3', '192.0.2.12'),
              ('cmp4', 'cmp4'),
              ('cmp4.example.org', 'cmp4.example.org'))
    @ddt.unpack
    def test_mapping(self, host, address):
        self.assertEqual(address,
                         compute_ssh.compute_address(host, ADDRESSES))

    def test_no_mapping_configured(self):
        self.assertEqual('cmp1', compute_ssh.compute_address('cmp1', {}))
        self.assertEqual('cmp1', compute_ssh.compute_address('cmp1', None))

    @ddt.data(None, '')
    def test_unscheduled_server(self, host):
        e = self.assertRaises(ValueError, compute_ssh.compute_address, host,
                              ADDRESSES)
        self.assertIn('no compute host', str(e))


@ddt.ddt
class TestCommands(base.TestCase):

    def setUp(self):
        super(TestCommands, self).setUp()
        self.exec_command = self.patchobject(ssh.Client, 'exec_command')
        self.init = self.patchobject(ssh.Client, '__init__',
                                     return_value=None)

    def _client(self, user='stack'):
        return compute_ssh.ComputeSSHClient('cmp1.example.org', group(user))

    def test_connects_to_mapped_address_with_key(self):
        self.exec_command.return_value = '<domain/>'
        self.assertEqual('<domain/>', self._client().dumpxml('instance-1'))
        self.init.assert_called_once_with(
            '192.0.2.10', 'stack', key_filename='/etc/tempest/compute_key')
        self.exec_command.assert_called_once_with(
            "sudo -n sh -c 'virsh dumpxml instance-1'")

    def test_root_does_not_use_sudo(self):
        self._client(user='root').dumpxml('instance-1')
        self.exec_command.assert_called_once_with(
            "sh -c 'virsh dumpxml instance-1'")

    def test_paths_are_quoted(self):
        self._client().write_file("/srv/a dir/it's", 'x y')
        self.exec_command.assert_called_once_with(
            'sudo -n sh -c ' + compute_ssh.shlex.quote(
                "printf %s 'x y' > '/srv/a dir/it'\"'\"'s'"))

    def test_write_with_mtime_and_remove_several_in_one_command(self):
        client = self._client()
        client.write_file('/d/f', '1', mtime=1000000000)
        client.remove_file('/d/f', '/d/f.renamed')
        self.assertEqual(
            [mock.call('sudo -n sh -c ' + compute_ssh.shlex.quote(
                'printf %s 1 > /d/f && touch -m -d @1000000000 /d/f')),
             mock.call("sudo -n sh -c 'rm -f /d/f /d/f.renamed'")],
            self.exec_command.call_args_list)

    @ddt.data(('rw,relatime\nro,relatime\n', 'ro,relatime'),
              ('', None), ('\n\n', None))
    @ddt.unpack
    def test_mount_options(self, output, expected):
        self.exec_command.return_value = output
        self.assertEqual(expected, self._client().mount_options('/v'))
        self.assertIn('findmnt -n -o OPTIONS --mountpoint /v',
                      self.exec_command.call_args[0][0])

    @ddt.data(('ro,relatime', True), ('rw,relatime', False),
              ('rw,errors=remount-ro', False), ('ro', True), (None, False),
              ('nosuid,ro', True))
    @ddt.unpack
    def test_is_read_only(self, options, expected):
        self.assertEqual(expected, compute_ssh.is_read_only(options))

    @ddt.data(('yes\n', True), ('no\n', False))
    @ddt.unpack
    def test_exists(self, output, expected):
        self.exec_command.return_value = output
        self.assertEqual(expected, self._client().exists('/p'))

    def test_file_identity(self):
        self.exec_command.return_value = '2049:131\n'
        self.assertEqual('2049:131', self._client().file_identity('/p'))
        self.assertIn('stat -L -c %d:%i /p',
                      self.exec_command.call_args[0][0])

    def test_failure_propagates(self):
        self.exec_command.side_effect = RuntimeError('permission denied')
        self.assertRaises(RuntimeError, self._client().remove_file, '/p')
