import assert from 'node:assert/strict';
import type { InstanceSpec } from '../../../../src/providers/provider.js';
import { serviceHardeningProblems } from '../../../../src/providers/swarm/swarmModeReadBack.js';
import { serviceSpec } from '../../../../src/providers/swarm/swarmModeSpec.js';

const spec: InstanceSpec = {
  id: 'a1b2c3d4-0000-4000-8000-000000000000',
  name: 'web',
  image: 'code-swarm-test/code-server:4.139.1',
  cpus: 1.5,
  memoryBytes: 2 * 1024 ** 3,
  pidsLimit: 1024,
  cookieSuffix: 'sfx',
  hashedPassword: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  storeId: 'store-1',
  mounts: [{ type: 'volume', source: 'shared-data', target: '/data', readOnly: true }],
};
const ctx = { entry: ['/usr/bin/entrypoint.sh', '.'], user: '1000:1000', secretId: 's', secretName: 'sn', network: 'n' };

/** The parts of a stored spec the cases below change. */
interface Stored {
  TaskTemplate: {
    ContainerSpec: {
      User?: string;
      Command?: string[];
      CapabilityAdd?: string[];
      CapabilityDrop?: string[];
      Mounts: { ReadOnly?: boolean }[];
    };
    Resources: { Limits: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number } };
  };
  EndpointSpec: { Ports?: unknown[] };
}

/** The service as the manager would answer its inspect, with one part of the stored spec changed. */
function stored(change: (s: Stored) => void = () => undefined) {
  // A deep copy of what the create sends, as the manager stores it.
  const s = JSON.parse(JSON.stringify(serviceSpec(spec, ctx))) as Stored;
  change(s);
  return { Spec: s } as Parameters<typeof serviceHardeningProblems>[0];
}

describe('the Swarm service read back from the manager', () => {
  it('finds nothing wrong with the spec the create sends', () => {
    assert.deepEqual(serviceHardeningProblems(stored(), spec), []);
  });

  it('names each setting the manager did not keep', () => {
    const cases: Array<[string, (s: Stored) => void, RegExp]> = [
      ['root', (s) => (s.TaskTemplate.ContainerSpec.User = '0:0'), /^runs as user 0:0$/],
      ['no user', (s) => delete s.TaskTemplate.ContainerSpec.User, /the image default \(root\)/],
      ['caps added', (s) => (s.TaskTemplate.ContainerSpec.CapabilityAdd = ['CAP_SYS_ADMIN']), /adds capabilities CAP_SYS_ADMIN/],
      ['caps kept', (s) => delete s.TaskTemplate.ContainerSpec.CapabilityDrop, /does not drop all capabilities/],
      ['wrapper', (s) => (s.TaskTemplate.ContainerSpec.Command = ['/usr/bin/entrypoint.sh']), /no no-new-privileges/],
      ['pids', (s) => delete s.TaskTemplate.Resources.Limits.Pids, /pids limit 1024 not applied \(engine reports none\)/],
      ['memory', (s) => (s.TaskTemplate.Resources.Limits.MemoryBytes = 1), /memory limit 2147483648 not applied \(engine reports 1\)/],
      ['cpus', (s) => (s.TaskTemplate.Resources.Limits.NanoCPUs = 1e9), /CPU limit 1\.5 not applied \(engine reports 1\)/],
      ['mount rw', (s) => (s.TaskTemplate.ContainerSpec.Mounts[1].ReadOnly = false), /mount \/data not read-only/],
      ['mount gone', (s) => s.TaskTemplate.ContainerSpec.Mounts.splice(1, 1), /mount shared-data:\/data missing/],
      ['workspace gone', (s) => s.TaskTemplate.ContainerSpec.Mounts.splice(0, 1), /no workspace volume at \/home\/coder\/project/],
      ['published', (s) => (s.EndpointSpec.Ports = [{ TargetPort: 8080, PublishedPort: 8080 }]), /publishes 1 port\(s\) on every node/],
    ];
    for (const [what, change, expected] of cases) {
      const problems = serviceHardeningProblems(stored(change), spec);
      assert.equal(problems.length, 1, `${what}: ${problems.join('; ')}`);
      assert.match(problems[0]!, expected, what);
    }
  });
});
