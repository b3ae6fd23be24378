import type { HostView, InstanceView } from '../../../src/core/views.js';

export const NOW = Date.parse('2025-06-01T12:00:00Z');

export function instanceView(over: Partial<InstanceView> = {}): InstanceView {
  return {
    id: 'id-web',
    name: 'web',
    host: 'alpha',
    provider: 'docker',
    state: 'running',
    health: 'healthy',
    image: 'codercom/code-server:4.139.1',
    createdAt: '2025-06-01T10:00:00Z',
    cpus: 2,
    memoryBytes: 2 * 1024 ** 3,
    port: 40123,
    startedAt: '2025-06-01T11:55:00Z',
    error: undefined,
    healthLatencyMs: 2.4,
    ...over,
  };
}

export function hostView(over: Partial<HostView> = {}): HostView {
  return {
    name: 'alpha',
    kind: 'ssh',
    provider: 'docker',
    address: 'dev@10.0.0.2:22',
    reachability: 'up',
    engineVersion: 'Docker 20.10.24 (API 1.41)',
    latencyMs: 12,
    error: undefined,
    instanceCount: 1,
    ...over,
  };
}
