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

"""XML checks on domain XML shaped like `virsh dumpxml` output."""

import ddt
from tempest.tests import base

from virtiofs_scaphandre_tempest_plugin.common import domain_xml

INSTANCE = 'instance-0000002a'
TAG = 'scaphandre'
HOST_DIR = '/var/lib/libvirt/scaphandre'
VIEW_DIR = '/opt/stack/data/nova/share_local_fs'
WRITABLE = HOST_DIR + '/' + INSTANCE
VIEW = VIEW_DIR + '/' + INSTANCE + '/' + TAG

SHARE = """
    <filesystem type='mount' accessmode='passthrough'>
      <driver type='virtiofs' queue='1024'/>
      <binary path='/usr/lib/qemu/virtiofsd'>
        <cache mode='none'/>
      </binary>
      <source dir='{source}'/>
      <target dir='{tag}'/>{readonly}
      <alias name='fs0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05'
               function='0x0'/>
    </filesystem>"""

HUGEPAGES_BACKING = """
  <memoryBacking>
    <hugepages>
      <page size='2048' unit='KiB' nodeset='0'/>
    </hugepages>
    <access mode='shared'/>
  </memoryBacking>"""

FILE_BACKING = """
  <memoryBacking>
    <source type='file'/>
    <access mode='shared'/>
  </memoryBacking>"""

NUMA_SHARED = """
  <cpu mode='host-model' check='partial'>
    <topology sockets='1' dies='1' cores='1' threads='1'/>
    <numa>
      <cell id='0' cpus='0' memory='262144' unit='KiB' memAccess='shared'/>
    </numa>
  </cpu>"""

DOMAIN = """<domain type='kvm' id='3'>
  <name>{name}</name>
  <uuid>9b0a3c44-0f59-4d4c-9a2e-0c1b2f1e7a10</uuid>
  <memory unit='KiB'>262144</memory>{backing}{cpu}
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/opt/stack/data/nova/instances/x/disk'/>
      <target dev='vda' bus='virtio'/>
    </disk>{shares}
  </devices>
</domain>
"""


def domain(shares='', backing=HUGEPAGES_BACKING, cpu=''):
    return domain_xml.parse(DOMAIN.format(name=INSTANCE, backing=backing,
                                          cpu=cpu, shares=shares))


def share(source=VIEW, tag=TAG, readonly=False, **replace):
    text = SHARE.format(source=source, tag=tag,
                        readonly='\n      <readonly/>' if readonly else '')
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def check(root):
    return domain_xml.check_share(root, TAG, HOST_DIR, VIEW_DIR, INSTANCE)


@ddt.ddt
class TestCheckShare(base.TestCase):

    def test_view_source_without_readonly_element(self):
        result = check(domain(share()))
        self.assertEqual([], result.problems)
        self.assertEqual(VIEW, result.source)
        self.assertTrue(result.via_readonly_view)
        self.assertFalse(result.readonly_element)

    @ddt.data(VIEW, WRITABLE)
    def test_readonly_element_with_either_source(self, source):
        result = check(domain(share(source=source, readonly=True)))
        self.assertEqual([], result.problems)
        self.assertTrue(result.readonly_element)
        self.assertEqual(source == VIEW, result.via_readonly_view)

    def test_writable_source_without_readonly_is_a_problem(self):
        [problem] = check(domain(share(source=WRITABLE))).problems
        self.assertIn('writable directory', problem)
        self.assertIn(WRITABLE, problem)

    @ddt.data(HOST_DIR, HOST_DIR + '/instance-00000001',
              VIEW_DIR + '/' + INSTANCE + '/other', '/tmp')
    def test_unexpected_source(self, source):
        [problem] = check(domain(share(source=source, readonly=True))).problems
        self.assertIn('source dir is %r' % source, problem)

    def test_no_share(self):
        result = check(domain())
        self.assertIsNone(result.source)
        [problem] = result.problems
        self.assertIn("no <filesystem> with <target dir='scaphandre'/>",
                      problem)
        self.assertIn('none', problem)

    def test_other_tag_only_is_reported_with_what_was_found(self):
        [problem] = check(domain(share(tag='other'))).problems
        self.assertIn('target=other source=%s' % VIEW, problem)

    def test_other_driver(self):
        text = share(**{"type='virtiofs' queue='1024'": "type='path'"})
        [problem] = check(domain(text)).problems
        self.assertIn("driver type is 'path'", problem)

    def test_other_filesystem_type(self):
        text = share(**{"type='mount'": "type='bind'"})
        [problem] = check(domain(text)).problems
        self.assertIn("filesystem type is 'bind'", problem)

    def test_two_filesystems_for_the_tag(self):
        result = check(domain(share() + share()))
        [problem] = result.problems
        self.assertIn("2 <filesystem> elements target 'scaphandre'", problem)

    def test_control_domain_has_no_share(self):
        self.assertEqual([], domain_xml.check_no_share(domain()))

    def test_control_domain_with_a_share_is_reported(self):
        [problem] = domain_xml.check_no_share(domain(share(tag='x')))
        self.assertIn('target=x', problem)

    def test_parse_error_names_the_output(self):
        e = self.assertRaises(ValueError, domain_xml.parse,
                              'error: failed to get domain')
        self.assertIn('failed to get domain', str(e))


@ddt.ddt
class TestMemory(base.TestCase):

    @ddt.data(
        (HUGEPAGES_BACKING, '', True),
        (FILE_BACKING, '', False),
        # hugepages with shared access on the NUMA cells only
        (HUGEPAGES_BACKING.replace("<access mode='shared'/>", ''),
         NUMA_SHARED, True),
    )
    @ddt.unpack
    def test_good(self, backing, cpu, hugepages):
        self.assertEqual([], domain_xml.check_memory(
            domain(backing=backing, cpu=cpu), hugepages))

    def test_private_memory(self):
        backing = HUGEPAGES_BACKING.replace("'shared'", "'private'")
        [problem] = domain_xml.check_memory(domain(backing=backing), True)
        self.assertIn("mode='private'", problem)

    def test_no_backing(self):
        problems = domain_xml.check_memory(domain(backing=''), True)
        self.assertEqual(2, len(problems))
        self.assertIn('not shared', problems[0])
        self.assertIn('no <memoryBacking><hugepages>', problems[1])

    def test_one_numa_cell_not_shared(self):
        cpu = NUMA_SHARED.replace(
            '</numa>', "  <cell id='1' cpus='1' memory='262144' "
            "unit='KiB'/>\n    </numa>")
        [problem] = domain_xml.check_memory(domain(backing='', cpu=cpu),
                                            False)[:1]
        self.assertIn("['shared', None]", problem)

    def test_file_expected_without_hugepages(self):
        [problem] = domain_xml.check_memory(domain(), False)
        self.assertIn("source type='file'", problem)

    @ddt.data(('large', True), ('2MB', True), ('1GB', True), ('2048', True),
              ('4', False), ('4KB', False), ('small', False), ('any', False),
              (None, False), ('', False), ('LARGE', True))
    @ddt.unpack
    def test_wants_hugepages(self, value, expected):
        self.assertEqual(expected, domain_xml.wants_hugepages(value))

    @ddt.data('huge', '2XB', '-')
    def test_wants_hugepages_bad_value(self, value):
        e = self.assertRaises(ValueError, domain_xml.wants_hugepages, value)
        self.assertIn(repr(value), str(e))
