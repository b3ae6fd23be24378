import assert from 'node:assert/strict';
import { instanceName, ownName } from '../../../../src/providers/common/instanceName.js';
import { containerName, volumeName } from '../../../../src/providers/docker/dockerNames.js';
import { lxdInstanceName } from '../../../../src/providers/lxd/lxdPaths.js';

describe('instance names on the engines', () => {
  it('carry one prefix on Docker and LXD, and only names with it are ours', () => {
    assert.equal(instanceName('web'), 'code-swarm-web');
    assert.equal(containerName('web'), lxdInstanceName('web'));
    assert.equal(volumeName('web'), 'code-swarm-web-project');
    assert.equal(ownName('code-swarm-web'), 'web');
    assert.equal(ownName('someone-elses'), undefined);
  });
});
