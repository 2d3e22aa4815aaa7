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

"""Checks of a libvirt domain XML for the virtiofs-scaphandre share.

Every check returns a list of problems (empty when the XML is right) so
that a test can report all of them at once, naming what it found.
"""

import collections
import posixpath
from xml.etree import ElementTree

from oslo_utils import strutils

# Values of hw:mem_page_size / hw_mem_page_size that do not ask hugepages.
_SMALL_PAGE_VALUES = ('small', 'any')
_SMALL_PAGE_KIB = 4

ShareCheck = collections.namedtuple(
    'ShareCheck', ['source', 'via_readonly_view', 'readonly_element',
                   'problems'])


def parse(xml_text):
    try:
        return ElementTree.fromstring(xml_text)
    except ElementTree.ParseError as e:
        raise ValueError('virsh dumpxml did not return XML (%s): %.200r'
                         % (e, xml_text))


def writable_dir(host_dir, instance_name):
    """The per-instance directory nova creates: <host_dir>/<instance>."""
    return posixpath.join(host_dir, instance_name)


def instance_views_dir(view_dir, instance_name):
    """Where nova keeps the read-only views of one instance."""
    return posixpath.join(view_dir, instance_name)


def readonly_view(view_dir, instance_name, tag):
    """The read-only bind mount nova gives libvirt for one mapping."""
    return posixpath.join(instance_views_dir(view_dir, instance_name), tag)


def virtiofs_filesystems(root):
    return [fs for fs in root.findall('./devices/filesystem')
            if fs.find("./driver[@type='virtiofs']") is not None]


def _target_dir(fs):
    target = fs.find('./target')
    return target.get('dir') if target is not None else None


def _describe(fs):
    source = fs.find('./source')
    return 'target=%s source=%s' % (
        _target_dir(fs), source.get('dir') if source is not None else None)


def check_share(root, tag, host_dir, view_dir, instance_name):
    """Check the <filesystem> that shares ``tag`` into the guest.

    The source must be the per-instance directory or nova's read-only
    view of it. Read-only enforcement: a <readonly/> element, or the
    read-only view (whose mount the caller checks on the compute). A
    writable source without <readonly/> is a problem.
    """
    problems = []
    candidates = [fs for fs in root.findall('./devices/filesystem')
                  if _target_dir(fs) == tag]
    if not candidates:
        found = [_describe(fs) for fs in root.findall('./devices/filesystem')]
        problems.append("no <filesystem> with <target dir='%s'/>; "
                        "filesystems found: %s" % (tag, found or 'none'))
        return ShareCheck(None, False, False, problems)
    if len(candidates) > 1:
        problems.append("%d <filesystem> elements target '%s': %s" % (
            len(candidates), tag, [_describe(fs) for fs in candidates]))
    fs = candidates[0]

    if fs.get('type', 'mount') != 'mount':
        problems.append("filesystem type is '%s', expected 'mount'"
                        % fs.get('type'))
    driver = fs.find('./driver')
    driver_type = driver.get('type') if driver is not None else None
    if driver_type != 'virtiofs':
        problems.append("driver type is %r, expected 'virtiofs'"
                        % driver_type)

    source_el = fs.find('./source')
    source = source_el.get('dir') if source_el is not None else None
    writable = writable_dir(host_dir, instance_name)
    view = readonly_view(view_dir, instance_name, tag)
    readonly_element = fs.find('./readonly') is not None
    via_view = source == view
    if source not in (writable, view):
        problems.append('source dir is %r, expected %r or its read-only '
                        'view %r' % (source, writable, view))
    elif source == writable and not readonly_element:
        problems.append('source %r is the writable directory and there is '
                        'no <readonly/>: nothing keeps the guest from '
                        'writing to the host' % source)
    return ShareCheck(source, via_view, readonly_element, problems)


def check_no_share(root):
    """A server that did not ask power metrics has no virtiofs device."""
    found = virtiofs_filesystems(root)
    if found:
        return ['unexpected virtiofs filesystem(s): %s'
                % [_describe(fs) for fs in found]]
    return []


def wants_hugepages(page_size):
    """Whether a hw:mem_page_size value asks hugepages.

    'large' or an explicit size above 4 KiB does; 'small', 'any' and
    unset do not. A bare number is in KiB, as in nova.
    """
    if page_size is None or page_size == '':
        return False
    value = str(page_size).strip()
    if value.lower() == 'large':
        return True
    if value.lower() in _SMALL_PAGE_VALUES:
        return False
    try:
        if value.isdigit():
            kib = int(value)
        else:
            kib = strutils.string_to_bytes(value, return_int=True) // 1024
    except ValueError:
        raise ValueError('hw:mem_page_size %r is neither small, any, large '
                         'nor a page size' % page_size)
    return kib > _SMALL_PAGE_KIB


def check_memory(root, hugepages):
    """Shared guest memory, backed by hugepages or by files.

    Shared access may be set for the whole guest (<memoryBacking><access
    mode='shared'/>) or on every guest NUMA cell (memAccess='shared').
    """
    problems = []
    backing = root.find('./memoryBacking')
    access = root.find("./memoryBacking/access")
    cells = root.findall('./cpu/numa/cell')
    shared_backing = access is not None and access.get('mode') == 'shared'
    shared_cells = bool(cells) and all(
        c.get('memAccess') == 'shared' for c in cells)
    if not (shared_backing or shared_cells):
        problems.append(
            "guest memory is not shared: <memoryBacking><access mode="
            "'shared'/> is %s and NUMA cell memAccess values are %s" % (
                'absent' if access is None else
                "mode='%s'" % access.get('mode'),
                [c.get('memAccess') for c in cells] or 'absent'))
    if hugepages:
        if backing is None or backing.find('./hugepages') is None:
            problems.append('the flavor asks hugepages but there is no '
                            '<memoryBacking><hugepages>')
    else:
        source = root.find('./memoryBacking/source')
        if source is None or source.get('type') != 'file':
            problems.append("without hugepages the memory must be file "
                            "backed, but <memoryBacking><source type="
                            "'file'/> is missing")
    return problems
