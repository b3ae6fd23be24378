import assert from 'node:assert/strict';
import { cpuLimits, memoryLimit } from '../../../../src/providers/lxd/instanceConfig.js';

describe('limits', () => {
  it('turns bytes into whole MiB, rounding up', () => {
    assert.equal(memoryLimit(2 * 1024 ** 3), '2048MiB');
    assert.equal(memoryLimit(1024 ** 2 + 1), '2MiB');
    assert.equal(memoryLimit(1), '1MiB');
  });

  it('grants whole CPUs as a count and caps fractions with an allowance', () => {
    assert.deepEqual(cpuLimits(2), { 'limits.cpu': '2' });
    assert.deepEqual(cpuLimits(1.5), { 'limits.cpu': '2', 'limits.cpu.allowance': '150ms/100ms' });
    assert.deepEqual(cpuLimits(0.25), { 'limits.cpu': '1', 'limits.cpu.allowance': '25ms/100ms' });
  });
});
