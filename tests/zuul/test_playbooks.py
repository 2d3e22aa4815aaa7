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

"""The playbooks pass ansible-playbook --syntax-check and ansible-lint."""

import json
import os
import subprocess
import sys

import fixtures
import testtools
import yaml

from tests.zuul import base

# Groups the Zuul nodesets and the developer-VM inventory provide.
INVENTORY = """\
[controller]
controller ansible_connection=local
[subnode]
compute1 ansible_connection=local
[tempest]
controller
[compute]
controller
compute1
"""


class AnsibleTestCase(testtools.TestCase):
    """A scratch directory for ansible's own state, away from the host's."""

    def setUp(self):
        super(AnsibleTestCase, self).setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.env = dict(os.environ,
                        ANSIBLE_LOCAL_TEMP=os.path.join(self.tmp, 'tmp'),
                        ANSIBLE_HOME=os.path.join(self.tmp, 'ansible'))

    def use_ansible_playbook(self):
        self.ansible_playbook = base.tool('ansible-playbook')
        self.assertIsNotNone(self.ansible_playbook)


class TestPlaybooks(AnsibleTestCase):

    def setUp(self):
        super(TestPlaybooks, self).setUp()
        self.inventory = os.path.join(self.tmp, 'inventory')
        with open(self.inventory, 'w') as f:
            f.write(INVENTORY)
        self.env['HOME'] = self.tmp

    def _run(self, argv):
        return subprocess.run(argv, cwd=base.TOP_DIR, env=self.env,
                              capture_output=True, text=True)

    def test_playbooks_found(self):
        names = [os.path.relpath(p, base.TOP_DIR)
                 for p in base.playbook_files()]
        for expected in ('playbooks/virtiofs-scaphandre/pre.yaml',
                         'playbooks/virtiofs-scaphandre/post.yaml',
                         'playbooks/dev-vm.yaml'):
            self.assertIn(expected, names)

    def test_syntax_check(self):
        ansible_playbook = base.tool('ansible-playbook')
        self.assertIsNotNone(ansible_playbook,
                             'ansible-playbook is not installed '
                             '(tox -e zuul installs ansible-core)')
        for path in base.playbook_files():
            out = self._run([ansible_playbook, '--syntax-check',
                             '-i', self.inventory, path])
            self.assertEqual(0, out.returncode,
                             '%s fails --syntax-check:\n%s%s'
                             % (path, out.stdout, out.stderr))

    def test_included_task_files_exist(self):
        # --syntax-check does not follow include_tasks (it is dynamic).
        includes = 0
        for path in base.playbook_files():
            with open(path) as f:
                plays = yaml.safe_load(f)
            for play in plays:
                for task in play.get('tasks', []):
                    target = task.get('ansible.builtin.include_tasks')
                    if target is None:
                        continue
                    includes += 1
                    full = os.path.join(os.path.dirname(path), target)
                    self.assertTrue(os.path.isfile(full),
                                    '%s includes missing %s' % (path,
                                                                target))
        self.assertGreater(includes, 0)

    def test_syntax_check_catches_errors(self):
        ansible_playbook = base.tool('ansible-playbook')
        self.assertIsNotNone(ansible_playbook)
        bad = os.path.join(self.tmp, 'bad.yaml')
        with open(bad, 'w') as f:
            f.write('- hosts: all\n  tasks:\n    - ansible.builtin.nosuch:'
                    ' {}\n')
        out = self._run([ansible_playbook, '--syntax-check',
                         '-i', self.inventory, bad])
        self.assertNotEqual(0, out.returncode)

    def test_ansible_lint_production_profile(self):
        ansible_lint = base.tool('ansible-lint')
        self.assertIsNotNone(ansible_lint,
                             'ansible-lint is not installed '
                             '(tox -e zuul installs it)')
        out = self._run([ansible_lint, '--offline', '--nocolor',
                         '--profile', 'production', 'playbooks/'])
        self.assertEqual(0, out.returncode,
                         'ansible-lint:\n%s%s' % (out.stdout, out.stderr))


class TestOneSource(testtools.TestCase):
    """The developer VM gets its local.conf from zuul.d, never a copy."""

    def test_no_playbook_carries_its_own_local_conf(self):
        for path in base.playbook_files():
            with open(path) as f:
                text = f.read()
            self.assertNotIn('[[local|localrc]]', text, path)
            self.assertNotIn('enable_plugin', text, path)

    def test_dev_vm_renders_from_zuul_d(self):
        with open(os.path.join(base.PLAYBOOK_DIR, 'dev-vm.yaml')) as f:
            text = f.read()
        self.assertIn('virtiofs_scaphandre.localconf', text)
        self.assertIn('devstack/local.conf', text)


class TestSharedTaskFiles(AnsibleTestCase):
    """Run the task files the Zuul pre-run and the dev VM share, for real.

    Only on paths under a temporary directory (SSH key) or with a page size
    no kernel has (hugepages), so the host is left as it was.
    """

    def setUp(self):
        super(TestSharedTaskFiles, self).setUp()
        if os.geteuid() != 0:
            self.skipTest('the task files become root; run as root')
        self.use_ansible_playbook()

    def _play(self, task_file, task_vars):
        path = os.path.join(self.tmp, 'play.yaml')
        with open(path, 'w') as f:
            f.write(yaml.safe_dump([{
                'name': 'exercise %s' % task_file,
                'hosts': 'localhost',
                'connection': 'local',
                'gather_facts': False,
                'tasks': [{
                    'name': 'include',
                    'ansible.builtin.include_tasks': os.path.join(
                        base.PLAYBOOK_DIR, 'virtiofs-scaphandre', 'tasks',
                        task_file),
                    'vars': task_vars}]}]))
        return subprocess.run(
            [self.ansible_playbook, '-i', 'localhost,',
             '-e', 'ansible_python_interpreter=%s' % sys.executable, path],
            env=self.env, capture_output=True, text=True)

    def test_compute_ssh_key_authorizes_the_key_once(self):
        key = os.path.join(self.tmp, 'owner', '.ssh', 'id_test')
        target = os.path.join(self.tmp, 'target')
        task_vars = {'vs_ssh_key_path': key, 'vs_ssh_key_owner': 'root',
                     'vs_ssh_target_user': 'root',
                     'vs_ssh_target_home': target,
                     'vs_ssh_hosts': ['localhost']}
        for _run in range(2):
            out = self._play('compute-ssh-key.yaml', task_vars)
            self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        with open(key + '.pub') as f:
            public = f.read().strip()
        with open(os.path.join(target, '.ssh', 'authorized_keys')) as f:
            self.assertEqual([public], f.read().splitlines())
        self.assertEqual(0o600, os.stat(key).st_mode & 0o777)
        # The second run changed nothing.
        self.assertIn('changed=0', out.stdout)

    def _reserve(self, size_kb, count):
        return self._play('reserve-hugepages.yaml', {
            'vs_plugin_dir': base.TOP_DIR,
            'devstack_localrc': {
                'VIRTIOFS_SCAPHANDRE_HUGEPAGE_SIZE_KB': size_kb,
                'VIRTIOFS_SCAPHANDRE_HUGEPAGES_COUNT': count}})

    def test_reserve_hugepages_names_a_missing_pool(self):
        out = self._reserve(1234, 4)
        self.assertNotEqual(0, out.returncode)
        self.assertIn('this kernel has no 1234 kB hugepages', out.stdout)

    def test_reserve_hugepages_accepts_a_pool_already_big_enough(self):
        # As in a container, where the host reserved the pages and the
        # pool is read-only: enough pages is success without a write.
        pool = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
        with open(pool) as f:
            reserved = int(f.read())
        out = self._reserve(2048, min(reserved, 1) if reserved else 0)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        self.assertIn('changed=0', out.stdout)
        self.assertIn('failed=0', out.stdout)

    def test_reserve_hugepages_does_nothing_without_a_count(self):
        out = self._reserve(2048, 0)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        self.assertIn('skipping', out.stdout)


class TestGuestImageFromTheCache(AnsibleTestCase):
    """pre.yaml's image play, run for real on this machine, offline."""

    def setUp(self):
        super(TestGuestImageFromTheCache, self).setUp()
        self.use_ansible_playbook()
        with open(os.path.join(base.PLAYBOOK_DIR, 'virtiofs-scaphandre',
                               'pre.yaml')) as f:
            plays = yaml.safe_load(f)
        play = [p for p in plays if 'guest image' in p['name']][0]
        play.update(hosts='localhost', connection='local',
                    gather_facts=False)
        self.playbook = os.path.join(self.tmp, 'image.yaml')
        with open(self.playbook, 'w') as f:
            f.write(yaml.safe_dump([play]))

    def test_a_cached_image_is_used_without_the_network(self):
        # setup-devstack-cache copied the node's /opt/cache/files there.
        files = os.path.join(self.tmp, 'devstack', 'files')
        os.makedirs(files)
        image = os.path.join(files, 'cirros-0.6.3-x86_64-disk.img')
        with open(image, 'w') as f:
            f.write('cached')
        out = subprocess.run(
            [self.ansible_playbook, '-i', 'localhost,',
             '-e', 'ansible_python_interpreter=%s' % sys.executable,
             '-e', json.dumps({
                 'devstack_base_dir': self.tmp,
                 'devstack_localrc': {'IMAGE_URLS': 'https://cirros.invalid/'
                                      '0.6.3/cirros-0.6.3-x86_64-disk.img'}}),
             self.playbook], env=self.env, capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        self.assertIn('skipping', out.stdout)
        with open(image) as f:
            self.assertEqual('cached', f.read())
