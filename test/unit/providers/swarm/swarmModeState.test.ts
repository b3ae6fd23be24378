import assert from 'node:assert/strict';
import {
  observedFromSwarm,
  pinnedNode,
  type NodeRow,
  type ServiceRow,
  type TaskRow,
} from '../../../../src/providers/swarm/swarmModeState.js';

const ID = 'a1b2c3d4-0000-4000-8000-000000000000';

function service(constraints: string[]): ServiceRow {
  return {
    ID: 's1',
    Spec: {
      Name: 'code-swarm-web',
      Labels: { 'code-swarm.instance': ID, 'code-swarm.name': 'web' },
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: { Placement: { Constraints: constraints } },
    },
  };
}

function node(id: string, hostname: string, state = 'ready', availability = 'active'): NodeRow {
  return { ID: id, Spec: { Role: 'worker', Availability: availability }, Description: { Hostname: hostname }, Status: { State: state } };
}

const PENDING: TaskRow = {
  ID: 't2',
  ServiceID: 's1',
  DesiredState: 'running',
  Status: {
    State: 'pending',
    Timestamp: '2026-12-06T05:01:00Z',
    Err: 'no suitable node (scheduling constraints not satisfied on 3 nodes)',
  },
};
const RUNNING_ON_N2: TaskRow = {
  ID: 't1',
  ServiceID: 's1',
  NodeID: 'n2',
  DesiredState: 'running',
  Status: { State: 'running', Timestamp: '2026-12-06T05:00:00Z' },
};

describe('swarm-mode provider: an instance waiting for its pinned node', () => {
  it('finds the pinned node by id or by hostname, and none without a node constraint', () => {
    const nodes = [node('n1', 'swarm1'), node('n2', 'swarm2')];
    assert.equal(pinnedNode(service(['node.id==n2']), nodes)?.ID, 'n2');
    assert.equal(pinnedNode(service(['node.hostname==swarm1']), nodes)?.ID, 'n1');
    assert.equal(pinnedNode(service(['node.labels.gpu==true']), nodes), undefined);
    assert.equal(pinnedNode(service(['node.id==gone']), nodes), undefined);
  });

  it('says its node is down, with Swarm\u2019s reason after, and still names the node', () => {
    const [o] = observedFromSwarm({
      services: [service(['node.id==n2'])],
      tasks: [PENDING],
      nodes: [node('n1', 'swarm1'), node('n2', 'swarm2', 'down')],
      gateways: [],
    });
    assert.equal(o?.state, 'starting');
    assert.equal(o?.node, 'swarm2');
    assert.match(o?.error ?? '', /^its node swarm2 is down; it waits there for its workspace \(Swarm: no suitable node/);
  });

  it('does not show a task as running while its node is down (Swarm has not heard from it)', () => {
    const [o] = observedFromSwarm({
      services: [service(['node.id==n2'])],
      tasks: [RUNNING_ON_N2],
      nodes: [node('n2', 'swarm2', 'down')],
      gateways: [],
    });
    assert.equal(o?.state, 'starting');
    assert.match(o?.error ?? '', /its node swarm2 is down/);
  });

  it('says a drained node holds it, and leaves a running task on a drained node alone (Swarm is moving it)', () => {
    const drained = [node('n2', 'swarm2', 'ready', 'drain')];
    const [waiting] = observedFromSwarm({ services: [service(['node.id==n2'])], tasks: [PENDING], nodes: drained, gateways: [] });
    assert.match(waiting?.error ?? '', /^its node swarm2 is drained; .*no suitable node/);
    const [running] = observedFromSwarm({ services: [service(['node.id==n2'])], tasks: [RUNNING_ON_N2], nodes: drained, gateways: [] });
    assert.equal(running?.state, 'running');
  });

  it('leaves a stopped instance stopped whatever its node', () => {
    const svc = service(['node.id==n2']);
    const stopped = { ...svc, Spec: { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } } };
    const [o] = observedFromSwarm({ services: [stopped], tasks: [], nodes: [node('n2', 'swarm2', 'down')], gateways: [] });
    assert.equal(o?.state, 'stopped');
    assert.equal(o?.error, undefined);
  });

  it('reports the gateway port while the task is still being placed, and none once stopped', () => {
    const gateways = [
      {
        Id: 'g',
        State: 'running',
        Labels: { 'code-swarm.gateway-of': ID },
        Ports: [{ PrivatePort: 8080, PublicPort: 32771, IP: '127.0.0.1' }],
      },
    ];
    const [starting] = observedFromSwarm({
      services: [service([])],
      tasks: [{ ...PENDING, Status: { State: 'pending' } }],
      nodes: [],
      gateways,
    });
    assert.equal(starting?.state, 'starting');
    assert.equal(starting?.port, 32771);
    const svc = service([]);
    const stopped = { ...svc, Spec: { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } } };
    assert.equal(observedFromSwarm({ services: [stopped], tasks: [], nodes: [], gateways })[0]?.port, undefined);
  });
});
