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

"""up --playbook: the developer-VM playbook stacks the container.

playbooks/dev-vm.yaml takes a Debian or Ubuntu machine a developer
already has to a devstack with the plugin, and runs the job's tests. With
provision = playbook the local cloud boots its controller as such a
machine and hands it to that playbook over SSH, so both front ends run
the same steps: the tree copied in as a repository, the stack user, the
hugepage reservation of the Zuul pre-run, local.conf from zuul.d,
stack.sh, the tests. The tool only adds what any machine here needs
first (the base root filesystem, devstack and the offline sources
copied in, the SSH key) and passes the container's settings to the
playbook as its documented variables.
"""

import json
import os
import shutil

from virtiofs_scaphandre.local_devstack import localconf
from virtiofs_scaphandre.local_devstack import rootfs
from virtiofs_scaphandre.local_devstack.runner import LocalDevstackError

PLAYBOOK = os.path.join('playbooks', 'dev-vm.yaml')
# The playbook sets these itself, from the nodes' facts.
PLAYBOOK_OWN_SETTINGS = ('HOST_IP', 'SERVICE_HOST')


def inventory(nodes, key):
    """An INI inventory: the controller, and the subnodes if any."""
    ssh = ('ansible_user=root ansible_ssh_private_key_file=%s '
           "ansible_ssh_common_args='-o StrictHostKeyChecking=no "
           "-o UserKnownHostsFile=/dev/null'" % key)
    lines = ['[controller]', '%s ansible_host=%s %s' % (
        nodes[0].name, nodes[0].address, ssh), '', '[subnode]']
    lines += ['%s ansible_host=%s %s' % (n.name, n.address, ssh)
              for n in nodes[1:]]
    return '\n'.join(lines) + '\n'


def extra_vars(settings, node, controller, results_dir):
    """The playbook's variables for the container environment."""
    values = localconf.node_settings(settings, 'controller', node,
                                     controller)
    return {
        'vs_job': settings.job_name,
        # devstack is copied in beforehand (the tool's own clone): the
        # playbook's clone task finds it and leaves it.
        'vs_devstack_repo': settings.devstack_repo,
        'vs_devstack_version': settings.devstack_branch,
        'vs_extra_settings': ['%s=%s' % kv for kv in values
                              if kv[0] not in PLAYBOOK_OWN_SETTINGS],
        'vs_extra_conf': localconf.conf_options(settings),
        'vs_disable_services': settings.disabled_services,
        'vs_results_dir': results_dir,
    }


class PlaybookStacker(object):
    """Prepares the containers, then runs playbooks/dev-vm.yaml on them."""

    def __init__(self, stacker):
        self.stacker = stacker
        self.cloud = stacker.cloud
        self.s = stacker.s
        self.runner = stacker.runner

    def check(self):
        if self.s.subnode:
            # The tunnel bridge between the containers (br-lds) must be
            # wired between stack.sh and the tests, inside the playbook's
            # run: only the single-node job goes through it here.
            raise LocalDevstackError('provision = playbook runs the '
                                     'single-node job: add --no-subnode')
        if not self.s.plugin:
            raise LocalDevstackError('provision = playbook always enables '
                                     "this project's plugin")
        if not shutil.which(self.s.ansible_playbook):
            raise LocalDevstackError(
                '%s not found: install Ansible (pip install ansible-core) '
                'or set ansible_playbook to its path' %
                self.s.ansible_playbook)

    def prepare_node(self, node, base):
        """What a developer's machine has before the playbook runs."""
        node.provision(base, self.cloud.nodes)
        self.stacker.clone_devstack(node)
        self.stacker.copy_offline_sources(node)
        self.stacker.install_ssh_trust(node)
        uid, gid = node.stack_ids()
        self.runner.run(['chown', '-R', '%d:%d' % (uid, gid),
                         node.path(rootfs.STACK_HOME)])

    def stack_all(self):
        self.check()
        timed = self.cloud.timed
        base = timed('base root filesystem', rootfs.make_base_rootfs,
                     self.s, self.runner,
                     os.path.join(self.s.logs_dir, 'debootstrap.log'))
        node = self.cloud.controller
        timed('prepare %s' % node.name, self.prepare_node, node, base)
        timed('boot %s' % node.name, node.boot,
              self.cloud.host.hugetlbfs_path())
        timed('playbooks/dev-vm.yaml', self.run_playbook)

    def run_playbook(self):
        run_dir = os.path.join(self.s.state_dir, 'run')
        os.makedirs(run_dir, exist_ok=True)
        nodes = self.cloud.nodes
        inv = os.path.join(run_dir, 'dev-vm-inventory')
        self.runner.write_file(inv, inventory(nodes, self.stacker.ssh_key))
        results = os.path.join(self.s.logs_dir, 'dev-vm-results')
        variables = os.path.join(run_dir, 'dev-vm-vars.json')
        self.runner.write_file(variables, json.dumps(extra_vars(
            self.s, nodes[0], self.cloud.controller, results), indent=1))
        log = os.path.join(self.s.logs_dir, 'dev-vm-playbook.log')
        if os.path.exists(log):
            os.remove(log)
        self.runner.log('ansible-playbook %s (log: %s)' % (PLAYBOOK, log))
        rc, _ = self.runner.run(
            [self.s.ansible_playbook, '-i', inv, '-e', '@' + variables,
             os.path.join(self.cloud.top_dir, PLAYBOOK)],
            check=False, stdout_path=log, timeout=self.s.stack_timeout * 2,
            env=dict(os.environ, ANSIBLE_FORCE_COLOR='0',
                     ANSIBLE_NOCOLOR='1'))
        recap = self.runner.read_file(log).rsplit('PLAY RECAP', 1)
        if rc != 0:
            raise LocalDevstackError(
                'playbooks/dev-vm.yaml failed (exit %d); see %s\n%s' % (
                    rc, log, recap[-1].strip() if len(recap) > 1 else ''))
        self.runner.log('playbooks/dev-vm.yaml: %s' % ' '.join(
            recap[-1].split()) if len(recap) > 1 else 'done')
