import assert from 'node:assert/strict';
import type { HostRegistry } from '../../../src/core/hostRegistry.js';
import { swarmManagerNote } from '../../../src/core/swarmManagerNote.js';
import type { Provider } from '../../../src/providers/provider.js';
import { SwarmError } from '../../../src/shared/errors.js';
import type { HostRecord } from '../../../src/shared/model.js';
import type { HostLink } from '../../../src/transport/hostLink.js';

const record = { name: 'm1', kind: 'ssh', provider: 'docker' } as unknown as HostRecord;
const link = {} as HostLink;

/** A registry whose swarm provider answers engineInfo as given, noting which provider kinds were asked for. */
function registry(engineInfo: () => Promise<unknown>, asked: string[] = []): HostRegistry {
  return {
    providerFor: (_l: HostLink, h: HostRecord) => {
      asked.push(h.provider);
      return { engineInfo } as unknown as Provider;
    },
  } as unknown as HostRegistry;
}

describe('hosts add without --provider: a Swarm manager', () => {
  it('is noted, with its node count and the option that makes it a swarm host', async () => {
    const asked: string[] = [];
    const note = await swarmManagerNote(
      registry(async () => ({ provider: 'swarm', engineVersion: 'x', nodes: [{}, {}, {}] }), asked),
      link,
      record,
    );
    assert.deepEqual(asked, ['swarm']);
    assert.match(note ?? '', /^m1 is a Swarm manager \(3 nodes\): added as a plain Docker host.*--provider swarm$/);
  });

  it('is not noted when the engine is no manager, and nothing is asked of other providers', async () => {
    const notManager = registry(() => Promise.reject(new SwarmError('not a Swarm manager', { code: 'engine-missing' })));
    assert.equal(await swarmManagerNote(notManager, link, record), undefined);
    const asked: string[] = [];
    assert.equal(
      await swarmManagerNote(
        registry(async () => ({}), asked),
        link,
        { ...record, provider: 'podman' },
      ),
      undefined,
    );
    assert.deepEqual(asked, []);
  });
});
