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

import xml.etree.ElementTree as ET

import testtools

from virtiofs_scaphandre.e2e import domxml

VIEW = '/var/lib/e2e/state/share_local_fs/e2e-vfs-00e2e001/scaphandre'

# Trimmed from what nova's libvirt driver wrote in an e2e run.
NOVA_XML = """<domain type="qemu">
  <uuid>6f1b0a52-0a4e-4d7e-9a55-0e2e00e2e001</uuid>
  <name>e2e-vfs-00e2e001</name>
  <memory>262144</memory>
  <memoryBacking>
    <hugepages><page size="2048" nodeset="0" unit="KiB"/></hugepages>
    <access mode="shared"/>
  </memoryBacking>
  <numatune><memory mode="strict" nodeset="0"/></numatune>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>e2e</nova:name>
    </nova:instance>
  </metadata>
  <os>
    <type arch="x86_64" machine="pc">hvm</type>
    <boot dev="hd"/>
    <smbios mode="sysinfo"/>
  </os>
  <cpu mode="host-model" match="exact">
    <numa><cell id="0" cpus="0" memory="262144" memAccess="shared"/></numa>
  </cpu>
  <devices>
    <disk type="file" device="disk">
      <driver name="qemu" type="qcow2" cache="none"/>
      <source file="/var/lib/e2e/instances/6f1b/disk"/>
      <target dev="vda" bus="virtio"/>
    </disk>
    <serial type="pty">
      <log file="/var/lib/e2e/instances/6f1b/console.log" append="off"/>
    </serial>
    <graphics type="vnc" autoport="yes" listen="127.0.0.1"/>
    <filesystem type="mount" accessmode="passthrough">
      <driver type="virtiofs"/>
      <binary><cache mode="none"/></binary>
      <source dir="%s"/>
      <target dir="scaphandre"/>
    </filesystem>
  </devices>
</domain>""" % VIEW


def failed(checks):
    return [name for name, ok, _detail in checks if not ok]


class TestCheckNovaXml(testtools.TestCase):

    def check(self, xml, readonly=False):
        return domxml.check_nova_xml(xml, 'e2e-vfs-00e2e001', VIEW,
                                     'scaphandre', readonly, 2048)

    def test_share_source_is_what_nova_wrote(self):
        self.assertEqual(VIEW, domxml.share_source(NOVA_XML))
        self.assertIsNone(domxml.share_source(
            domxml.without_filesystems(NOVA_XML)))

    def test_source_other_than_expected_fails(self):
        checks = domxml.check_nova_xml(NOVA_XML, 'e2e-vfs-00e2e001',
                                       '/srv/scaphandre/e2e-vfs-00e2e001',
                                       'scaphandre', False, 2048)
        self.assertEqual(['<source dir> is /srv/scaphandre/e2e-vfs-00e2e001'],
                         failed(checks))

    def test_nova_xml_passes(self):
        checks = self.check(NOVA_XML)
        self.assertEqual([], failed(checks))
        self.assertEqual(9, len(checks))

    def test_readonly_expected_but_missing(self):
        self.assertEqual(
            ['<readonly/> present (libvirt >= 11 and virtiofsd has '
             '--readonly)'], failed(self.check(NOVA_XML, readonly=True)))

    def test_readonly_emitted_where_libvirt_rejects_it(self):
        xml = NOVA_XML.replace('<target dir="scaphandre"/>',
                               '<target dir="scaphandre"/><readonly/>')
        self.assertEqual(1, len(failed(self.check(xml))))

    def test_writable_source_and_default_cache_fail(self):
        xml = NOVA_XML.replace(VIEW, '/var/lib/libvirt/scaphandre/x')
        xml = xml.replace('<binary><cache mode="none"/></binary>', '')
        names = failed(self.check(xml))
        self.assertEqual(2, len(names))
        self.assertIn("<binary><cache mode='none'/>", names)

    def test_no_filesystem_and_private_memory_fail(self):
        root = ET.fromstring(NOVA_XML)
        devices = root.find('devices')
        devices.remove(devices.find('filesystem'))
        root.remove(root.find('memoryBacking'))
        root.find('cpu/numa/cell').attrib.pop('memAccess')
        names = failed(self.check(ET.tostring(root, encoding='unicode')))
        self.assertIn('one virtiofs <filesystem> device', names)
        self.assertIn("<memoryBacking><access mode='shared'/>", names)
        self.assertIn('hugepages of 2048 KiB back the memory', names)


class TestAdapt(testtools.TestCase):

    def test_only_boot_disk_console_and_display_change(self):
        xml, changes = domxml.adapt(NOVA_XML, '/g/vmlinuz', '/g/initrd.img',
                                    'console=ttyS0 e2e.mode=full',
                                    '/run/console.log')
        root = ET.fromstring(xml)
        self.assertIsNone(root.find('os/boot'))
        self.assertEqual(['type', 'kernel', 'initrd', 'cmdline', 'smbios'],
                         [e.tag for e in root.find('os')])
        self.assertEqual('/g/vmlinuz', root.findtext('os/kernel'))
        self.assertEqual([], root.findall('devices/disk'))
        self.assertEqual([], root.findall('devices/graphics'))
        serials = root.findall('devices/serial')
        self.assertEqual(1, len(serials))
        self.assertEqual('file', serials[0].get('type'))
        self.assertEqual({'path': '/run/console.log', 'append': 'on'},
                         serials[0].find('source').attrib)
        self.assertEqual(5, len(changes))
        self.assertIn("removed <graphics type='vnc'>", changes[3])
        # What the feature is about is left exactly as nova wrote it.
        before = ET.fromstring(NOVA_XML)
        for path in ('devices/filesystem', 'memoryBacking', 'numatune',
                     'cpu'):
            self.assertEqual(
                ET.canonicalize(ET.tostring(before.find(path)),
                                strip_text=True),
                ET.canonicalize(ET.tostring(root.find(path)),
                                strip_text=True), path)
        self.assertEqual([], failed(domxml.check_nova_xml(
            xml, 'e2e-vfs-00e2e001', VIEW, 'scaphandre', False, 2048)))
        self.assertIn('xmlns:nova=', xml)


class TestVariants(testtools.TestCase):

    def test_no_fs_no_hugepages(self):
        xml = domxml.without_filesystems(NOVA_XML)
        xml = domxml.set_memory_backing(xml, hugepages=None)
        root = ET.fromstring(xml)
        self.assertEqual([], domxml.filesystems(root))
        self.assertIsNone(root.find('memoryBacking'))
        self.assertIsNone(root.find('numatune'))
        self.assertIsNone(root.find('cpu/numa/cell').get('memAccess'))

    def test_memfd(self):
        root = ET.fromstring(domxml.set_memory_backing(
            NOVA_XML, hugepages=None, memfd=True))
        self.assertEqual('memfd', root.find('memoryBacking/source').get(
            'type'))
        self.assertEqual('shared', root.find('memoryBacking/access').get(
            'mode'))

    def test_cache_modes(self):
        root = ET.fromstring(domxml.set_cache_mode(NOVA_XML, None))
        self.assertIsNone(root.find('devices/filesystem/binary'))
        root = ET.fromstring(domxml.set_cache_mode(NOVA_XML, 'always'))
        self.assertEqual('always', root.find(
            'devices/filesystem/binary/cache').get('mode'))

    def test_name_uuid_and_type(self):
        xml = domxml.set_name_uuid(NOVA_XML, 'e2e-vfs-bench', 'u-1')
        xml = domxml.set_virt_type(xml, 'kvm')
        root = ET.fromstring(xml)
        self.assertEqual(('kvm', 'e2e-vfs-bench', 'u-1'), (
            root.get('type'), root.findtext('name'), root.findtext('uuid')))
