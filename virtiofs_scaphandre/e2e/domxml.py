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

"""Nova's guest XML: what it must contain, and the cloud-less adaptation.

The e2e check boots the domain XML nova's libvirt driver wrote. Without a
cloud there is no image, no network and no console proxy, so adapt()
changes exactly these parts, and lists each change for the report:
the root disk becomes a direct kernel boot of the test guest, the serial
console goes to a file, and the VNC display is dropped. Everything else
(memory backing, NUMA, CPU, the filesystem device) is left as nova wrote it.
"""

import xml.etree.ElementTree as ET

# Keep nova's prefix on its <metadata> when the XML is written back.
ET.register_namespace('nova', 'http://openstack.org/xmlns/libvirt/nova/1.1')


def _text(elem, path, attr):
    found = elem.find(path)
    return None if found is None else found.get(attr)


def filesystems(root):
    return [fs for fs in root.findall('./devices/filesystem')
            if _text(fs, 'driver', 'type') == 'virtiofs']


def share_source(xml):
    """<source dir> of the first virtiofs filesystem, or None."""
    fss = filesystems(ET.fromstring(xml))
    return _text(fss[0], 'source', 'dir') if fss else None


def check_nova_xml(xml, name, source_dir, tag, expect_readonly,
                   page_size_kb=None):
    """[(check name, ok, detail)] for the virtiofs parts of nova's XML."""
    root = ET.fromstring(xml)
    checks = []
    checks.append(('domain name is the instance name (%s)' % name,
                   root.findtext('name') == name,
                   'name=%s' % root.findtext('name')))
    fss = filesystems(root)
    checks.append(('one virtiofs <filesystem> device', len(fss) == 1,
                   '%d found' % len(fss)))
    if fss:
        fs = fss[0]
        checks.append((
            "type='mount' accessmode='passthrough'",
            fs.get('type') == 'mount' and
            fs.get('accessmode') == 'passthrough',
            'type=%s accessmode=%s' % (fs.get('type'),
                                       fs.get('accessmode'))))
        source = _text(fs, 'source', 'dir')
        checks.append(('<source dir> is %s' % source_dir,
                       source == source_dir, 'source dir=%s' % source))
        target = _text(fs, 'target', 'dir')
        checks.append(('<target dir> is the mount tag %s' % tag,
                       target == tag, 'target dir=%s' % target))
        cache = _text(fs, 'binary/cache', 'mode')
        checks.append(("<binary><cache mode='none'/>", cache == 'none',
                       'cache mode=%s' % cache))
        has_ro = fs.find('readonly') is not None
        checks.append((
            '<readonly/> %s' % ('present (libvirt >= 11 and virtiofsd '
                                'has --readonly)' if expect_readonly else
                                'absent (this libvirt/virtiofsd cannot '
                                'honour it)'),
            has_ro == expect_readonly, 'readonly=%s' % has_ro))
    access = _text(root, 'memoryBacking/access', 'mode')
    checks.append(("<memoryBacking><access mode='shared'/>",
                   access == 'shared' or _numa_shared(root),
                   'access=%s numa memAccess=%s' % (
                       access, _numa_access(root))))
    if page_size_kb:
        page = root.find('memoryBacking/hugepages/page')
        size = page.get('size') if page is not None else None
        checks.append(('hugepages of %s KiB back the memory' % page_size_kb,
                       size == str(page_size_kb), 'page size=%s' % size))
    return checks


def _numa_access(root):
    return [c.get('memAccess') for c in root.findall('./cpu/numa/cell')]


def _numa_shared(root):
    cells = _numa_access(root)
    return bool(cells) and all(a == 'shared' for a in cells)


def adapt(xml, kernel, initrd, cmdline, console_log):
    """(new xml, [change, ...]) for booting nova's XML without a cloud."""
    root = ET.fromstring(xml)
    changes = []
    os_elem = root.find('os')
    for boot in os_elem.findall('boot'):
        os_elem.remove(boot)
        changes.append('removed <os><boot dev=%r/>' % boot.get('dev'))
    type_elem = os_elem.find('type')
    pos = list(os_elem).index(type_elem) + 1
    for i, (tag, text) in enumerate((('kernel', kernel), ('initrd', initrd),
                                     ('cmdline', cmdline))):
        elem = ET.Element(tag)
        elem.text = text
        os_elem.insert(pos + i, elem)
    changes.append('added <os><kernel>/<initrd>/<cmdline>: direct kernel '
                   'boot of the test guest')
    devices = root.find('devices')
    for disk in devices.findall('disk'):
        devices.remove(disk)
        src = disk.find('source')
        changes.append('removed <disk> %s (no image service)' % (
            src.attrib if src is not None else ''))
    for iface in devices.findall('interface'):
        devices.remove(iface)
        changes.append('removed <interface> (no network)')
    for graphics in devices.findall('graphics'):
        devices.remove(graphics)
        changes.append("removed <graphics type=%r> (no console proxy, no "
                       "port used)" % graphics.get('type'))
    serials = devices.findall('serial')
    for serial in serials:
        devices.remove(serial)
    serial = ET.SubElement(devices, 'serial', type='file')
    ET.SubElement(serial, 'source', path=console_log, append='on')
    changes.append("serial console: %s -> <serial type='file'> %s "
                   "(append, read back by the check)" % (
                       ','.join(s.get('type') for s in serials) or 'none',
                       console_log))
    ET.indent(root)
    return ET.tostring(root, encoding='unicode'), changes


def set_memory_backing(xml, hugepages, memfd=False):
    """Variants for the boot-time benchmark (not used by the check)."""
    root = ET.fromstring(xml)
    mb = root.find('memoryBacking')
    if mb is not None:
        root.remove(mb)
    numatune = root.find('numatune')
    if not hugepages and numatune is not None:
        root.remove(numatune)
    if hugepages or memfd:
        mb = ET.Element('memoryBacking')
        if hugepages:
            hp = ET.SubElement(mb, 'hugepages')
            ET.SubElement(hp, 'page', size=str(hugepages), unit='KiB')
        else:
            ET.SubElement(mb, 'source', type='memfd')
            ET.SubElement(mb, 'access', mode='shared')
        root.insert(list(root).index(root.find('memory')) + 1, mb)
    for cell in root.findall('./cpu/numa/cell'):
        if hugepages or memfd:
            cell.set('memAccess', 'shared')
        else:
            cell.attrib.pop('memAccess', None)
    return ET.tostring(root, encoding='unicode')


def without_filesystems(xml):
    root = ET.fromstring(xml)
    devices = root.find('devices')
    for fs in filesystems(root):
        devices.remove(fs)
    return ET.tostring(root, encoding='unicode')


def set_cache_mode(xml, mode):
    """mode None removes <binary> (virtiofsd's default cache)."""
    root = ET.fromstring(xml)
    for fs in filesystems(root):
        binary = fs.find('binary')
        if mode is None:
            if binary is not None:
                fs.remove(binary)
            continue
        if binary is None:
            binary = ET.SubElement(fs, 'binary')
        cache = binary.find('cache')
        if cache is None:
            cache = ET.SubElement(binary, 'cache')
        cache.set('mode', mode)
    return ET.tostring(root, encoding='unicode')


def set_name_uuid(xml, name, uuid):
    root = ET.fromstring(xml)
    root.find('name').text = name
    root.find('uuid').text = uuid
    for entry in root.findall('./sysinfo/system/entry'):
        if entry.get('name') in ('serial', 'uuid'):
            entry.text = uuid
    return ET.tostring(root, encoding='unicode')


def set_cmdline(xml, cmdline, console_log=None):
    root = ET.fromstring(xml)
    root.find('os/cmdline').text = cmdline
    if console_log:
        root.find('devices/serial/source').set('path', console_log)
    return ET.tostring(root, encoding='unicode')


def set_virt_type(xml, virt_type):
    root = ET.fromstring(xml)
    root.set('type', virt_type)
    return ET.tostring(root, encoding='unicode')
