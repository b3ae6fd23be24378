import assert from 'node:assert/strict';
import { providerFactories } from '../../../src/providers/registry.js';
import type { HostRecord } from '../../../src/shared/model.js';
import { LocalHostLink } from '../../../src/transport/localHostLink.js';

function host(provider: HostRecord['provider']): HostRecord {
  return { name: 'here', kind: 'local', provider, address: 'local', addedAt: '2026-11-23T09:00:00.000Z' };
}

describe('provider registry', () => {
  it('makes a provider of the kind asked for, for each kind a host may have', () => {
    const link = new LocalHostLink('here');
    try {
      for (const kind of ['docker', 'lxd', 'podman', 'swarm'] as const) {
        const factory = providerFactories.get(kind);
        assert.ok(factory, kind);
        assert.equal(factory(link, host(kind)).kind, kind);
      }
    } finally {
      link.dispose();
    }
  });
});
