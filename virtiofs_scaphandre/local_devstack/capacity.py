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

"""capacity: the cloud reports the hugepages its hosts really have.

The nodes share the host's one hugepage pool and each compute offers the
scheduler only its share (localconf.reserved_hugepages). Filling every
share with power-metrics servers must leave the next one refused by the
scheduler (NoValidHost), not failed at spawn on an empty pool. The check
runs on the controller (files/capacity-check) with the flavor, image and
network tempest uses.
"""

import configparser
import os

from virtiofs_scaphandre.local_devstack import container as ctr
from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import restore
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack import stacking

SCRIPT_SRC = os.path.join(stacking.FILES_DIR, 'capacity-check')
SCRIPT_DEST = '/opt/stack/local-devstack/capacity-check'


def share_pages(settings):
    """Hugepages each compute offers the scheduler."""
    return settings.hugepages - localconf.reserved_hugepages(settings)


def check_args(cloud):
    """The script's arguments, from the controller's tempest.conf."""
    conf = configparser.ConfigParser(interpolation=None, strict=False)
    conf.read(cloud.controller.path(restore.TEMPEST_CONF))
    flavor = conf.get('virtiofs_scaphandre', 'power_metrics_flavor_ref',
                      fallback='')
    image = conf.get('compute', 'image_ref', fallback='')
    network = conf.get('compute', 'fixed_network_name',
                       fallback='') or 'private'
    if not flavor or not image:
        raise LocalDevstackError(
            'tempest.conf of %s names no power-metrics flavor or image: was '
            "this project's plugin enabled?" % cloud.controller.name)
    return ['--flavor', flavor, '--image', image, '--network', network,
            '--share-pages', str(share_pages(cloud.s))]


def check(cloud):
    cloud.require_up()
    controller = cloud.controller
    if not cloud.s.hugepages:
        raise LocalDevstackError('hugepages = 0: no share to fill')
    argv = [restore.VENV_PYTHON, SCRIPT_DEST] + check_args(cloud)
    cloud.runner.write_file(controller.path(SCRIPT_DEST),
                            cloud.runner.read_file(SCRIPT_SRC), 0o755)
    log = os.path.join(cloud.s.logs_dir, 'capacity.log')
    if os.path.exists(log):
        os.remove(log)
    rc, _ = cloud.runner.run(
        controller.enter(argv, user=ctr.STACK_USER, cwd='/'), check=False,
        stdout_path=log, timeout=3600)
    text = cloud.runner.read_file(log) if os.path.exists(log) else ''
    print(text.rstrip('\n'))
    if rc != 0:
        raise LocalDevstackError('the full cloud did not answer NoValidHost '
                                 '(log %s)' % log)
