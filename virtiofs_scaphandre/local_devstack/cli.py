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

"""local-devstack: a local developer cloud in systemd-nspawn containers.

  local-devstack up         restore a matching snapshot of a stacked cloud,
                            or boot the containers and run stack.sh
  local-devstack refresh    make the working tree live in the running cloud
  local-devstack test       run this project's tempest plugin on the cloud
  local-devstack capacity   fill every compute's hugepages: NoValidHost next
  local-devstack down       stop the cloud, undo host changes
  local-devstack destroy    remove everything local-devstack made
  local-devstack snapshots  list, prune or remove snapshots
  local-devstack mirror     local git mirrors from PyPI sdists (offline)
  local-devstack status     what is running and which host changes are live
"""

import argparse
import os
import signal
import subprocess
import sys

from virtiofs_scaphandre.local_devstack import capacity
from virtiofs_scaphandre.local_devstack import cloud as cloud_mod
from virtiofs_scaphandre.local_devstack import mirror
from virtiofs_scaphandre.local_devstack import refresh as refresh_mod
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError
from virtiofs_scaphandre.local_devstack.runner import Runner
from virtiofs_scaphandre.local_devstack import settings as settings_mod

TOP_DIR = cloud_mod.TOP_DIR


def build_parser():
    parser = argparse.ArgumentParser(
        prog='local-devstack',
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='settings (config file [local-devstack] section, '
               'LOCAL_DEVSTACK_<NAME> variables, or --set NAME=VALUE):\n' +
               settings_mod.describe())
    parser.add_argument('--config', help='config file (default %s)' %
                        settings_mod.DEFAULT_CONFIG)
    parser.add_argument('--set', action='append', default=[],
                        metavar='NAME=VALUE', dest='overrides',
                        help='override one setting')
    parser.add_argument('-v', '--verbose', action='store_true',
                        help='print every host command')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    up = sub.add_parser('up', help='boot the containers and run stack.sh')
    up.add_argument('--no-subnode', action='store_true',
                    help='controller only')
    up.add_argument('--no-plugin', action='store_true',
                    help="do not enable this project's devstack plugin")
    up.add_argument('--playbook', action='store_true',
                    help='stack the controller with playbooks/dev-vm.yaml '
                    '(provision = playbook)')
    up.add_argument('--keep-on-failure', action='store_true',
                    help='leave a failed cloud running for inspection')
    how = up.add_mutually_exclusive_group()
    how.add_argument('--stack', action='store_const', const='never',
                     dest='snapshot', default='auto',
                     help='run stack.sh even if a snapshot matches (and '
                     'take a new snapshot)')
    how.add_argument('--snapshot', metavar='ID',
                     help='restore this snapshot even if its inputs differ '
                     '(the differences are printed)')
    sub.add_parser('refresh', help='make the working tree live in the '
                   'running cloud (nova series, devstack plugin config, '
                   'tempest plugin)')
    test = sub.add_parser('test', help="run this project's tempest tests")
    test.add_argument('--regex', help='tempest test regex')
    test.add_argument('--concurrency', type=int,
                      help="tempest workers (default: the job's "
                      'tempest_concurrency)')
    sub.add_parser('capacity', help="fill every compute's share of the "
                   'hugepages with power-metrics servers; the next one must '
                   'get NoValidHost')
    sub.add_parser('down', help='unstack, stop, undo host changes')
    sub.add_parser('destroy', help='remove everything local-devstack made')
    sub.add_parser('status', help='containers and live host changes')
    snaps = sub.add_parser('snapshots', help='list (default), prune or '
                           'remove snapshots, with their disk use')
    snaps.add_argument('--prune', type=int, metavar='KEEP',
                       help='keep only the KEEP newest')
    snaps.add_argument('--remove', metavar='ID', action='append',
                       default=[], help='remove this snapshot')
    snaps.add_argument('--take', action='store_true',
                       help='snapshot the running cloud made by stack.sh, '
                       'then restore it')
    mir = sub.add_parser('mirror', help='build local git mirrors')
    mir.add_argument('--series', default='2026.2')
    mir.add_argument('--version', action='append', default=[],
                     metavar='REPO=VERSION', help='override a release')
    mir.add_argument('--git', action='append', default=[],
                     metavar='REPO=PATH[@REF]',
                     help='mirror REPO from a local git repository')
    mir.add_argument('--sdist-dir', help='use sdists already downloaded '
                     'here instead of PyPI')
    mir.add_argument('--constraints', metavar='FILE',
                     help='pins (NAME===VERSION) committed onto the '
                     "requirements mirror's upper-constraints.txt")
    mir.add_argument('--nova-series', action='store_true',
                     help="commit nova_patches onto nova's branches (the "
                     'nova a Depends-On on the series gives); without it '
                     "nova's branches are the release")
    mir.add_argument('--only', action='append', default=[],
                     metavar='REPO', help='build only these mirrors')
    return parser


def parse_overrides(items):
    overrides = {}
    for item in items:
        name, sep, value = item.partition('=')
        if not sep:
            raise LocalDevstackError('--set %r: expected NAME=VALUE' % item)
        overrides[name.strip()] = value
    return overrides


def run_command(args, s, runner):
    cloud = cloud_mod.Cloud(s, runner)
    if args.command == 'up':
        cloud.up(keep_on_failure=args.keep_on_failure,
                 snapshot=args.snapshot or 'auto')
    elif args.command == 'refresh':
        refresh_mod.Refresher(cloud).refresh()
    elif args.command == 'test':
        cloud.test(args.regex, args.concurrency)
    elif args.command == 'capacity':
        capacity.check(cloud)
    elif args.command == 'down':
        cloud.down()
    elif args.command == 'destroy':
        cloud.destroy()
    elif args.command == 'status':
        cloud.status()
    elif args.command == 'snapshots':
        if args.take:
            cloud.timed('snapshot and restore', cloud.snapshots.take_running)
        for snapshot_id in args.remove:
            print('removed snapshot %s' % cloud.snapshots.remove(
                snapshot_id))
        if args.prune is not None:
            for snapshot_id in cloud.snapshots.prune(args.prune):
                print('removed snapshot %s' % snapshot_id)
        for line in cloud.snapshots.listing():
            print(line)
    elif args.command == 'mirror':
        result = mirror.build(s, runner, TOP_DIR, args.series,
                              args.version, args.git, args.sdist_dir,
                              args.only, constraints=args.constraints,
                              nova_series=args.nova_series)
        for repo, what in sorted(result.items()):
            print('%-16s %s %s' % (repo, what, os.path.join(
                s.mirror_dir, 'openstack', repo + '.git')))


def _interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def main(argv=None, runner=None, environ=None,
         default_config=settings_mod.DEFAULT_CONFIG):
    parser = build_parser()
    args = parser.parse_args(argv)
    if runner is None:
        # A terminated up still undoes its host changes.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        overrides = parse_overrides(args.overrides)
        if args.command == 'up':
            if args.no_subnode:
                overrides['subnode'] = 'false'
            if args.no_plugin:
                overrides['plugin'] = 'false'
            if args.playbook:
                overrides['provision'] = 'playbook'
        s = settings_mod.load(args.config, environ, overrides,
                              default_config=default_config)
        runner = runner or Runner(verbose=args.verbose)
        run_command(args, s, runner)
    except LocalDevstackError as e:
        print('local-devstack %s: error: %s' % (args.command, e),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('local-devstack %s: interrupted' % args.command,
              file=sys.stderr)
        return 130
    except (subprocess.SubprocessError, OSError) as e:
        print('local-devstack %s: error: %s' % (args.command, e),
              file=sys.stderr)
        return 1
    return 0
