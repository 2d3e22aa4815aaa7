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

"""Read back what the guest printed on its serial console.

The guest-init script prints one "E2E <WORD> key=value ..." line per
result. The console log is appended to across boots of the same domain,
so it is split at each "E2E BOOT" line.
"""

import re

_FIELD = re.compile(r'(\w+)=(.*?)(?= \w+=|$)')
EROFS_TEXTS = ('Read-only file system', 'Permission denied')


def parse_line(line):
    """("WORD", {key: value}) for an E2E line, or None."""
    idx = line.find('E2E ')
    if idx < 0:
        return None
    rest = line[idx + 4:].rstrip('\r\n')
    word, _sep, fields = rest.partition(' ')
    if not word.isupper():
        return None
    return word, {k: v.strip() for k, v in _FIELD.findall(fields)}


def parse_boots(text):
    """A list of boots, each a list of (WORD, fields) in printed order."""
    boots = []
    for line in text.splitlines():
        record = parse_line(line)
        if record is None:
            continue
        if record[0] == 'BOOT' or not boots:
            boots.append([])
        boots[-1].append(record)
    return boots


def find(boot, word, **match):
    """The records of one boot with that word whose fields match."""
    return [f for w, f in boot if w == word and all(
        f.get(k) == v for k, v in match.items())]


def first(boot, word, **match):
    found = find(boot, word, **match)
    return found[0] if found else None


def is_denied(fields):
    return fields.get('rc') != '0' and any(
        t in fields.get('err', '') for t in EROFS_TEXTS)


class GuestExpectations(object):
    """What the host put in the share, to compare the guest's view with.

    :param files: {relative path: exact content} the guest must read back.
    :param counter: relative path of the counter file (content: digits).
    :param listing: set of (type, relative path) the host created.
    :param sibling: name of another instance's directory on the host.
    :param secrets: strings only present outside the guest's directory.
    :param host_only_names: names only found in host directories around
        the instance directory (a listing showing one has escaped).
    """

    def __init__(self, files, counter, listing, sibling, secrets,
                 host_only_names=()):
        self.files = files
        self.counter = counter
        self.listing = listing
        self.sibling = sibling
        self.secrets = secrets
        self.host_only_names = set(host_only_names) | {sibling}


def check_boot(boot, expect, result, group, full=True, log_text=''):
    """Add the checks of one boot's records to result."""
    mount = first(boot, 'CHECK', name='mount')
    if mount is None:
        result.add(group, 'virtiofs tag mounts with mount -t virtiofs', False,
                   'the guest printed no mount result')
        return
    result.add(group, 'virtiofs tag mounts with mount -t virtiofs',
               mount.get('rc') == '0' and
               mount.get('opts', '').startswith('virtiofs'),
               'rc=%s opts=%s tries=%s %s' % (
                   mount.get('rc'), mount.get('opts'), mount.get('tries'),
                   mount.get('err', '')))
    for module in find(boot, 'MODULE'):
        result.add(group, 'module %s loads' % module.get('name'), False,
                   module.get('err', ''))
    for path, content in sorted(expect.files.items()):
        read = first(boot, 'READ', file=path)
        got = read.get('content') if read else None
        result.add(group, 'host file %s reads back with its content' % path,
                   got == content, 'expected %r, read %r' % (content, got))
    read = first(boot, 'READ', file=expect.counter)
    got = read.get('content') if read else None
    result.add(group, 'counter %s reads back as a number' % expect.counter,
               bool(got) and got.isdigit(), 'read %r' % got)
    if not full:
        return
    _check_listing(boot, expect, result, group)
    for phase, title in (('ro', 'writes fail (EROFS/EACCES)'),
                         ('remount', 'writes still fail after '
                          'mount -o remount,rw')):
        writes = find(boot, 'WRITE', phase=phase)
        allowed = [w['op'] for w in writes if not is_denied(w)]
        errors = sorted({w.get('err', '').rsplit(': ', 1)[-1]
                         for w in writes})
        result.add(group, title, bool(writes) and not allowed,
                   '%d operations tried (%s); %s' % (
                       len(writes), ' '.join(w['op'] for w in writes),
                       'allowed: %s' % ' '.join(allowed) if allowed
                       else 'errors: %s' % '; '.join(errors)))
        if phase == 'ro':
            remount = first(boot, 'CHECK', name='remount_rw')
            if remount is not None:
                result.info['guest remount,rw'] = 'rc=%s opts=%s %s' % (
                    remount.get('rc'), remount.get('opts'),
                    remount.get('err', ''))
    _check_isolation(boot, expect, result, group, log_text)


def _check_listing(boot, expect, result, group):
    seen = {(f.get('type'), f.get('path')) for f in find(boot, 'LIST')}
    seen.discard(('dir', ''))
    extra = sorted(seen - expect.listing)
    missing = sorted(expect.listing - seen)
    result.add(group, 'the share shows exactly the instance directory',
               bool(seen) and not extra and not missing,
               '%d entries; extra: %s; missing: %s' % (
                   len(seen), extra or 'none', missing or 'none'))


def _check_isolation(boot, expect, result, group, log_text):
    parent = first(boot, 'ISO', name='parent')
    result.add(group, 'share/.. is the guest\'s own /mnt, not the host',
               parent is not None and
               parent.get('same_as_guest_mnt') == 'yes',
               parent.get('ls', '') if parent else 'no result')
    sib = [f for f in find(boot, 'ISO') if f.get('name', '').startswith(
        'sibling_dotdot')]
    result.add(group, 'sibling instance directory %s is not reachable'
               % expect.sibling,
               bool(sib) and all(f.get('rc') != '0' for f in sib),
               '; '.join(f.get('out', '') for f in sib) or 'no result')
    links = find(boot, 'ISO', name='link')
    escaped = [f['path'] for f in links if f.get('rc') == '0' and
               set(f.get('out', '').split()) & expect.host_only_names]
    own = ['%s (%s)' % (f['path'], 'ENOENT' if f.get('rc') != '0' else
                        'guest ' + f.get('target', ''))
           for f in links if f['path'] not in escaped]
    result.add(group, 'host symlinks in the share resolve inside the guest',
               bool(links) and not escaped,
               '%d host-made links: %s; reached host directories: %s' % (
                   len(links), ', '.join(own) or 'none',
                   ' '.join(escaped) or 'none'))
    leaked = [s for s in expect.secrets if s in log_text]
    result.add(group, 'no content from outside the instance directory '
               'reached the guest', not leaked,
               'leaked: %s' % leaked if leaked else
               '%d secret tokens written outside it, none in the console '
               'log' % len(expect.secrets))
