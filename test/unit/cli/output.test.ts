import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createOutput, hostTestJson, instanceJson } from '../../../src/cli/output.js';
import type { InstanceView } from '../../../src/core/views.js';

const view: InstanceView = {
  id: 'i',
  name: 'n',
  host: 'h',
  provider: 'docker',
  state: 'running',
  health: 'healthy',
  image: 'img',
  createdAt: '2026-11-23T10:00:00.000Z',
  cpus: 1,
  memoryBytes: 1,
  port: 3,
  startedAt: undefined,
  error: undefined,
  healthLatencyMs: 2,
};

describe('cli output', () => {
  it('prints the documented instance shape', () => {
    const j = instanceJson(view);
    for (const k of ['id', 'name', 'host', 'provider', 'state', 'health', 'image', 'createdAt']) assert.ok(k in j, k);
    assert.equal(j.state, 'running');
  });

  it('adds node to a swarm instance, and nodes to a swarm host test, only where they apply', () => {
    assert.ok(!('node' in instanceJson(view)));
    assert.equal(instanceJson({ ...view, provider: 'swarm', node: 'swarm2' })['node'], 'swarm2');
    const base = { name: 'c', ok: true, provider: 'swarm' as const, engineVersion: 'Docker', latencyMs: 1 };
    assert.ok(!('nodes' in hostTestJson(base)));
    assert.deepEqual(hostTestJson({ ...base, nodes: [{ name: 'm', role: 'manager', state: 'ready', availability: 'active' }] })['nodes'], [
      { name: 'm', role: 'manager', state: 'ready', availability: 'active' },
    ]);
  });

  it('prints JSON when asked and text otherwise', () => {
    const out = new PassThrough();
    createOutput(true, out, out).data({ a: 1 }, () => 'human');
    createOutput(false, out, out).data({ a: 1 }, () => 'human');
    assert.equal(out.read().toString(), '{"a":1}\nhuman\n');
  });
});
