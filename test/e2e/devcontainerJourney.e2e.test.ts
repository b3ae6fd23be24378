import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtImageName, containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { dockerExec, lab, labDocker, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';
import { openWorkbench, runCommand, treeRow, type Workbench } from './workbench.js';
import { answerStep, contextMenu, instanceWorkbenchFrame, waitForRow } from './workbenchActions.js';

/** A project whose .devcontainer builds FROM the lab's plain image (no code-server, no network needed). */
function project(): string {
  const dir = suiteDir('csw-e2e-dc-');
  mkdirSync(join(dir, '.devcontainer'), { recursive: true });
  writeFileSync(join(dir, '.devcontainer', 'Dockerfile'), `FROM ${lab().plainImage}\nRUN echo from-the-dockerfile > /opt/built\n`);
  writeFileSync(
    join(dir, '.devcontainer', 'devcontainer.json'),
    `{
      // what a project keeps for Dev Containers, JSONC as VS Code writes it
      "build": { "dockerfile": "Dockerfile" },
      "containerEnv": { "DC_E2E": "hello-from-json" },
      "forwardPorts": [3000],
      "features": { "ghcr.io/devcontainers/features/node:1": {} },
      "postCreateCommand": "echo \\"$DC_E2E\\" > \${containerWorkspaceFolder}/post-created",
    }`,
  );
  return join(dir, '.devcontainer', 'devcontainer.json');
}

describe('e2e: a devcontainer.json built through the Create wizard, then opened', function () {
  this.timeout(400_000);
  let wb: Workbench;
  const instance = uniqueName('e2edc');
  const docker = labDocker('alpha');

  before(async () => {
    const dir = suiteDir('csw-e2e-dc-ssh-');
    const h = lab().hosts.alpha;
    writeFileSync(join(dir, 'config'), `Host alpha\n  HostName ${h.address}\n  User ${h.user}\n  IdentityFile ${lab().clientKey}\n`);
    wb = await openWorkbench({
      'codeSwarm.sshConfigFile': join(dir, 'config'),
      // alpha's key is known already: this journey is about the build, not the key modal.
      'codeSwarm.knownHostsFiles': [lab().knownHosts],
      'codeSwarm.defaultCpus': 1,
      'codeSwarm.defaultMemory': '1g',
      'codeSwarm.healthIntervalSeconds': 2,
      'codeSwarm.refreshIntervalSeconds': 5,
      'codeSwarm.openIn': 'simpleBrowser',
    });
  });

  after(async () => {
    await wb?.close();
    // Whatever the steps left if one failed: the container, its volume and the built image.
    await docker
      .getContainer(containerName(instance))
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getVolume(volumeName(instance))
      .remove()
      .catch(() => undefined);
    await docker
      .getImage(builtImageName(instance))
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('builds the project on alpha from the wizard, says what it left out, and the instance is healthy with the env and the command’s effect', async () => {
    const { page } = wb;
    const file = project();
    await page.locator('.part.activitybar a.action-label[aria-label^="Code Swarm"]').click({ timeout: 60_000 });
    await runCommand(page, 'Code Swarm: Add SSH Host');
    await answerStep(page, 'SSH config', 'alpha');
    await answerStep(page, 'A name for this host');
    await treeRow(page, 'alpha').waitFor({ state: 'visible', timeout: 60_000 });

    await runCommand(page, 'Code Swarm: Create Instance');
    await answerStep(page, 'Host to run the instance on', 'alpha');
    await answerStep(page, 'Instance name', instance);
    await answerStep(page, 'a devcontainer.json', file);
    await answerStep(page, 'CPUs');
    await answerStep(page, 'Memory');
    // The unsupported entry is said by name, not dropped.
    await page.locator('.notifications-toasts').filter({ hasText: 'features' }).waitFor({ timeout: 180_000 });
    await waitForRow(page, instance, /healthy/, 180_000);
    await wb.screenshot('devcontainer-01-healthy');

    const info = await docker.getContainer(containerName(instance)).inspect();
    assert.equal(info.Config.Image, builtImageName(instance), 'it runs the image built from the Dockerfile');
    assert.ok(info.Config.Env.includes('DC_E2E=hello-from-json'), 'containerEnv reached the container');
    assert.equal((await dockerExec(docker, info.Id, ['cat', '/opt/built'])).trim(), 'from-the-dockerfile');
    assert.equal((await dockerExec(docker, info.Id, ['cat', '/home/coder/project/post-created'])).trim(), 'hello-from-json');
  });

  it('opens it in a Simple Browser tab that shows code-server, logged in', async () => {
    const { page } = wb;
    await contextMenu(page, instance, 'Open Instance');
    await page.locator('.tabs-container .tab').filter({ hasText: 'Simple Browser' }).waitFor({ timeout: 60_000 });
    const inner = await instanceWorkbenchFrame(page, wb.url);
    await wb.screenshot('devcontainer-02-open');
    assert.ok(inner, "code-server's workbench loaded through the tunnel");
    assert.doesNotMatch(inner.url(), /login/);
  });

  it('deletes it with its volume, leaving no container behind', async () => {
    const { page } = wb;
    await contextMenu(page, instance, 'Delete Instance');
    const purge = page.getByRole('button', { name: 'Delete and Remove Volume' });
    await purge.waitFor({ state: 'visible', timeout: 30_000 });
    await purge.click();
    await treeRow(page, instance).waitFor({ state: 'detached', timeout: 60_000 });
    const left = await docker.listContainers({ all: true, filters: { name: [containerName(instance)] } });
    assert.equal(left.length, 0);
  });
});
