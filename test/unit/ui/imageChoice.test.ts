import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkImageChoice, imageChoiceInput, isDevcontainerPath, isDockerfilePath } from '../../../src/ui/model/imageChoice.js';

describe('Create wizard: the image step', () => {
  it('tells an image, a Dockerfile and a devcontainer.json apart', () => {
    assert.deepEqual(imageChoiceInput('debian:12'), { image: 'debian:12' });
    assert.deepEqual(imageChoiceInput('/p/Dockerfile'), {});
    assert.deepEqual(imageChoiceInput('/p/.devcontainer/devcontainer.json'), { devcontainer: '/p/.devcontainer/devcontainer.json' });
    assert.deepEqual(imageChoiceInput('/p/.devcontainer.json'), { devcontainer: '/p/.devcontainer.json' });
    assert.equal(isDockerfilePath('/p/Dockerfile.dev'), true);
    assert.equal(isDockerfilePath('/p/devcontainer.json'), false);
    assert.equal(isDevcontainerPath('/p/notdevcontainer.json'), false, 'only the names Dev Containers reads');
  });

  it('checks a devcontainer.json by the core reader, naming the file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'csw-wiz-'));
    const good = join(dir, 'devcontainer.json');
    writeFileSync(good, '// a comment\n{ "image": "debian:12", }\n');
    assert.doesNotThrow(() => checkImageChoice(good));
    const bad = join(dir, '.devcontainer.json');
    writeFileSync(bad, '{ "image": 12 }');
    assert.throws(() => checkImageChoice(bad), /\.devcontainer\.json.*image/);
    assert.throws(() => checkImageChoice('Not An Image!'));
  });
});
