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

"""Project checks that flake8 runs through hacking (tox -e pep8).

VS101: an idempotent_id must be a random (version 4) UUID, written in
its canonical lower-case form. tempest's check-uuid, which pep8 runs
too, checks that every test has one and that no two tests share one.
"""

import re
import uuid

from hacking import core

_IDEMPOTENT_ID = re.compile(r"@decorators\.idempotent_id\(\s*'([^']*)'")


@core.flake8ext
def idempotent_id_is_uuid4(physical_line):
    """VS101: idempotent ids are canonical uuid4 strings.

    Physical lines: the logical line has its strings masked.
    """
    for match in _IDEMPOTENT_ID.finditer(physical_line):
        value = match.group(1)
        try:
            parsed = uuid.UUID(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.version != 4 or str(parsed) != value:
            yield (match.start(1),
                   'VS101: idempotent_id %r is not a canonical uuid4 '
                   '(python -c "import uuid; print(uuid.uuid4())")' % value)
