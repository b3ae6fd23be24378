import assert from 'node:assert/strict';
import type { InstanceSpec } from '../../../../src/providers/provider.js';
import {
  gatewayOptions,
  instanceGateway,
  overlayOptions,
  placementConstraints,
  serviceSpec,
  TASK_WRAPPER,
} from '../../../../src/providers/swarm/swarmModeSpec.js';
import { mapServiceState, nodeViews, observedFromSwarm, type TaskRow } from '../../../../src/providers/swarm/swarmModeState.js';
import { INSTANCE_ALIAS } from '../../../../src/providers/swarm/swarmModeNames.js';
import { swarmModeChangeOf } from '../../../../src/providers/swarm/swarmModeEvents.js';
import { validatePlacement } from '../../../../src/core/validatePlacement.js';
import type { HostRecord } from '../../../../src/shared/model.js';

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
};
const ctx = {
  entry: ['/usr/bin/entrypoint.sh', '--bind-addr', '0.0.0.0:8080', '.'],
  user: '1000:1000',
  secretId: 'sec1',
  secretName: 'code-swarm-web-password-a1b2c3d4',
  network: 'net1',
};

function task(over: Partial<TaskRow> & { state: string; err?: string }): TaskRow {
  return {
    ID: 't',
    ServiceID: 's1',
    NodeID: 'n2',
    DesiredState: 'running',
    ...over,
    Status: { State: over.state, Timestamp: '2026-12-06T05:00:00Z', ...(over.err ? { Err: over.err } : {}) },
  };
}

describe('swarm-mode provider: the service spec', () => {
  const s = serviceSpec(spec, ctx);
  const tt = s.TaskTemplate as {
    ContainerSpec: Record<string, unknown>;
    Resources: Record<string, Record<string, number>>;
    Placement: { Constraints: string[] };
    RestartPolicy: { Condition: string };
  };

  it('never carries the password or its hash: the hash is a Swarm secret the wrapper reads', () => {
    const text = JSON.stringify(s);
    assert.ok(!text.includes(spec.hashedPassword));
    assert.doesNotMatch(text, /\$argon2/);
    assert.deepEqual(tt.ContainerSpec['Env'], ['CODE_SERVER_COOKIE_SUFFIX=sfx']);
    assert.deepEqual(
      (tt.ContainerSpec['Secrets'] as { SecretID: string; File: { Mode: number; UID: string } }[]).map((x) => [
        x.SecretID,
        x.File.Mode,
        x.File.UID,
      ]),
      [['sec1', 0o400, '1000']],
    );
  });

  it('runs the image entrypoint under setpriv --no-new-privs, failing closed without setpriv', () => {
    assert.deepEqual(tt.ContainerSpec['Command'], ['/bin/sh', '-c', TASK_WRAPPER, 'code-swarm-entry', ...ctx.entry]);
    assert.match(TASK_WRAPPER, /exec setpriv --no-new-privs -- "\$@"$/);
    assert.match(TASK_WRAPPER, /command -v setpriv .*exit 78/);
  });

  it('drops every capability, runs as the non-root user, limits and reserves cpu and memory, limits pids', () => {
    assert.deepEqual(tt.ContainerSpec['CapabilityDrop'], ['ALL']);
    assert.equal(tt.ContainerSpec['User'], '1000:1000');
    assert.deepEqual(tt.Resources['Limits'], { NanoCPUs: 1.5e9, MemoryBytes: 2 * 1024 ** 3, Pids: 1024 });
    assert.deepEqual(tt.Resources['Reservations'], { NanoCPUs: 1.5e9, MemoryBytes: 2 * 1024 ** 3 });
    assert.equal(tt.RestartPolicy.Condition, 'any');
    assert.deepEqual(s.Mode, { Replicated: { Replicas: 1 } });
  });

  it('publishes nothing and labels the service and its task containers alike', () => {
    assert.deepEqual(s.EndpointSpec, { Mode: 'dnsrr', Ports: [] });
    assert.equal(s.Labels?.['code-swarm.instance'], spec.id);
    assert.deepEqual(tt.ContainerSpec['Labels'], s.Labels);
  });

  it('turns --node and --constraint into Swarm constraints', () => {
    assert.deepEqual(placementConstraints(undefined), []);
    assert.deepEqual(placementConstraints({ node: 'swarm2' }), ['node.hostname==swarm2']);
    assert.deepEqual(placementConstraints({ constraint: 'node.labels.gpu==true' }), ['node.labels.gpu==true']);
    assert.deepEqual((serviceSpec(spec, { ...ctx, placement: { node: 'n3' } }).TaskTemplate as typeof tt).Placement.Constraints, [
      'node.hostname==n3',
    ]);
  });

  it('publishes the gateway on the loopback only, hardened, and encrypts the overlay unless told not to', () => {
    const g = gatewayOptions(instanceGateway(spec, 'code-swarm-x-gw'), 'net1', '1000:1000');
    assert.deepEqual(g.HostConfig?.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    assert.deepEqual(g.HostConfig?.CapDrop, ['ALL']);
    assert.deepEqual(g.HostConfig?.SecurityOpt, ['no-new-privileges']);
    assert.equal(g.HostConfig?.NetworkMode, 'net1');
    assert.deepEqual(overlayOptions('n', {}, true).Options, { encrypted: '' });
    assert.deepEqual(overlayOptions('n', {}, false).Options, {});
    assert.equal(overlayOptions('n', {}, true).Attachable, true);
  });

  it('has every gateway dial the alias the service sets on its overlay, so a gateway can exist before its instance', () => {
    const g = gatewayOptions(
      { name: 'code-swarm_slot-ab', image: 'img', labels: { 'code-swarm.pool': 'code-swarm_slot-ab' } },
      'n',
      '1000',
    );
    const program = (g.Entrypoint as string[]).at(-1) ?? '';
    assert.match(program, new RegExp(`net\\.connect\\(8080,"${INSTANCE_ALIAS}"\\)`));
    assert.equal(g.name, 'code-swarm_slot-ab');
    assert.deepEqual(g.Labels, { 'code-swarm.pool': 'code-swarm_slot-ab' });
    const nets = (serviceSpec(spec, ctx).TaskTemplate as { Networks: unknown }).Networks;
    assert.deepEqual(nets, [{ Target: ctx.network, Aliases: [INSTANCE_ALIAS] }]);
  });
});

describe('swarm-mode provider: what the cluster reports', () => {
  it('maps tasks to states, and a pending task shows the scheduler\u2019s reason', () => {
    assert.deepEqual(mapServiceState(0, undefined), { state: 'stopped' });
    assert.deepEqual(mapServiceState(1, task({ state: 'running' })), { state: 'running' });
    assert.deepEqual(mapServiceState(1, task({ state: 'pending', err: 'no suitable node (insufficient resources on 3 nodes)' })), {
      state: 'starting',
      error: 'no suitable node (insufficient resources on 3 nodes)',
    });
    assert.equal(mapServiceState(1, task({ state: 'rejected', DesiredState: 'shutdown', err: 'No such image' })).state, 'failed');
  });

  it('reports the node and the gateway port of a running service', () => {
    const [o] = observedFromSwarm({
      services: [
        {
          ID: 's1',
          CreatedAt: '2026-12-06T05:00:00Z',
          Spec: {
            Name: 'code-swarm-web',
            Labels: { 'code-swarm.instance': spec.id, 'code-swarm.name': 'web' },
            Mode: { Replicated: { Replicas: 1 } },
          },
        },
      ],
      tasks: [task({ state: 'running' })],
      nodes: [
        { ID: 'n2', Spec: { Role: 'worker', Availability: 'active' }, Description: { Hostname: 'swarm2' }, Status: { State: 'ready' } },
      ],
      gateways: [
        {
          Id: 'g',
          State: 'running',
          Labels: { 'code-swarm.gateway-of': spec.id },
          Ports: [{ PrivatePort: 8080, PublicPort: 32770, IP: '127.0.0.1' }],
        },
      ],
    });
    assert.equal(o?.node, 'swarm2');
    assert.equal(o?.port, 32770);
    assert.equal(o?.state, 'running');
    assert.equal(o?.error, undefined);
  });

  it('lists nodes as hosts test --json prints them', () => {
    assert.deepEqual(
      nodeViews([
        { ID: 'x', Spec: { Role: 'manager', Availability: 'drain' }, Description: { Hostname: 'm1' }, Status: { State: 'ready' } },
      ]),
      [{ name: 'm1', role: 'manager', state: 'ready', availability: 'drain' }],
    );
  });
});

describe('create --node / --constraint validation', () => {
  const swarmHost = { name: 'c', provider: 'swarm' } as HostRecord;
  it('accepts a node or a constraint on a swarm host only, one at a time', () => {
    assert.equal(validatePlacement({}, swarmHost), undefined);
    assert.deepEqual(validatePlacement({ node: 'swarm2' }, swarmHost), { node: 'swarm2' });
    assert.deepEqual(validatePlacement({ constraint: 'node.role!=manager' }, swarmHost), { constraint: 'node.role!=manager' });
    assert.throws(() => validatePlacement({ node: 'a' }, { name: 'd', provider: 'docker' } as HostRecord), /d is a docker host/);
    assert.throws(() => validatePlacement({ node: 'a', constraint: 'node.role==worker' }, swarmHost), /not both/);
    assert.throws(() => validatePlacement({ node: 'a b' }, swarmHost), /not a node name/);
    assert.throws(() => validatePlacement({ constraint: 'rm -rf /' }, swarmHost), /not a Swarm placement constraint/);
  });
});

describe('swarm-mode provider: events', () => {
  it('names the instance of a service event and marks node events as cluster-wide', () => {
    const svc = JSON.stringify({ Type: 'service', Action: 'update', Actor: { Attributes: { name: 'code-swarm-web' } } });
    assert.deepEqual(swarmModeChangeOf(svc), { id: undefined, name: 'web', action: 'service-update' });
    const node = JSON.stringify({ Type: 'node', Action: 'update', Actor: { Attributes: { name: 'swarm2' } } });
    assert.deepEqual(swarmModeChangeOf(node), { id: undefined, name: undefined, action: 'node-update' });
  });
});
