import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { Swarm } from '../../src/core/swarm.js';
import { dockerExec, dockerExecResult, lab, labDocker, labSwarm, uniqueName, type LabHostName } from '../lab/lab.js';
import { closeSwarmSuite, readySlot } from '../lab/swarmSlots.js';

const run = promisify(execFile);
const NODES = ['swarm1', 'swarm2', 'swarm3'] as const satisfies readonly LabHostName[];
/** Every TARGET (ADDRESS:PORT) that accepts a TCP connection within 2 s, one per line; at most 2 s per target. */
const PROBE = 'for t in "$@"; do timeout 2 bash -c \'exec 3<>"/dev/tcp/${0%:*}/${0##*:}"\' "$t" 2>/dev/null && echo "$t"; done; exit 0';

/** The targets that answer from inside a lab host's namespace (its sshd's view of the network). */
async function answeringFrom(netns: string, targets: readonly string[]): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, 'bash', '-c', PROBE, 'probe', ...targets], { timeout: 5 * 60_000 });
  return stdout.split('\n').filter(Boolean);
}

/** A namespace's own IPv4 addresses other than loopback (the lab bridge, docker0, docker_gwbridge, …). */
async function ownAddresses(netns: string): Promise<string[]> {
  const { stdout } = await run('ip', ['-n', netns, '-4', '-o', 'addr', 'show']);
  return [...stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!).filter((a) => !a.startsWith('127.'));
}

/** The running task container of a service on a node. */
async function taskOn(docker: Docker, service: string): Promise<Docker.ContainerInspectInfo> {
  const [c] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ['running'] } });
  assert.ok(c, `no running task of ${service}`);
  return docker.getContainer(c.Id).inspect();
}

describe('swarm-mode host: no instance port answers anywhere but through the tunnel (issue #18)', function () {
  this.timeout(300_000);
  let swarm: Swarm;
  const a = uniqueName('swiso-a');
  const b = uniqueName('swiso-b');
  const ports: number[] = [];
  before(async () => {
    ({ swarm } = await labSwarm());
    const h = lab().hosts.swarm1;
    await swarm.addHost({
      name: 'cluster',
      ssh: `${h.user}@${h.address}:${h.port}`,
      identityFile: lab().clientKey,
      provider: 'swarm',
      swarmOverlay: 'plain',
    });
    // Both on one worker: the closest two instances can be (one node, one docker_gwbridge).
    // a makes its own overlay and gateway; b takes the ready slot made once a is healthy.
    await swarm.create({ name: a, host: 'cluster', node: 'swarm2' });
    await swarm.waitHealthy(a, { timeoutMs: 120_000 });
    const manager = labDocker('swarm1');
    const info = (await manager.getService(`code-swarm-${a}`).inspect()) as { Spec: { Labels: Record<string, string> } };
    const slot = await readySlot(manager, info.Spec.Labels['code-swarm.store']!);
    await swarm.create({ name: b, host: 'cluster', node: 'swarm2' });
    const bInfo = (await manager.getService(`code-swarm-${b}`).inspect()) as { Spec: { Labels: Record<string, string> } };
    assert.equal(bInfo.Spec.Labels['code-swarm.gateway'], slot, 'b took the ready slot');
    for (const name of [a, b]) {
      const v = await swarm.waitHealthy(name, { timeoutMs: 120_000 });
      assert.ok(v.port !== undefined);
      ports.push(v.port);
    }
  });
  after(async () => {
    await closeSwarmSuite(swarm, 'cluster', labDocker('swarm1'));
  });

  it('answers on no node\u2019s lab address, from any lab host\u2019s namespace', async () => {
    const targets = NODES.flatMap((n) => [...ports, 8080].map((p) => `${lab().hosts[n].address}:${p}`));
    const hosts = Object.values(lab().hosts);
    const found = await Promise.all(hosts.map(async (h) => [h.user, await answeringFrom(h.netns, targets)] as const));
    assert.deepEqual(
      found.filter(([, t]) => t.length > 0),
      [],
    );
  });

  it('answers on none of a node\u2019s own non-loopback addresses, from the node itself; its loopback has the gateways on the manager only', async () => {
    for (const n of NODES) {
      const netns = lab().hosts[n].netns;
      const addrs = await ownAddresses(netns);
      assert.ok(addrs.includes(lab().hosts[n].address), `${n}: ${addrs.join(' ')}`);
      const open = await answeringFrom(
        netns,
        addrs.flatMap((addr) => [...ports, 8080].map((p) => `${addr}:${p}`)),
      );
      assert.deepEqual(open, [], `${n} answers on its own addresses`);
      const loopback = await answeringFrom(
        netns,
        ports.map((p) => `127.0.0.1:${p}`),
      );
      // The gateways publish on the manager's loopback: that, reached by SSH, is the way in.
      assert.deepEqual(loopback, n === 'swarm1' ? ports.map((p) => `127.0.0.1:${p}`) : [], `${n}'s loopback`);
    }
  });

  it('keeps one instance from the other\u2019s code-server, by name or address, on the same node', async () => {
    const docker = labDocker('swarm2');
    const [ta, tb] = await Promise.all([taskOn(docker, `code-swarm-${a}`), taskOn(docker, `code-swarm-${b}`)]);
    // Its overlay address and its docker_gwbridge one (the engine lists only the overlay in NetworkSettings).
    const bAddrs = (await dockerExec(docker, tb.Id, ['hostname', '-I'])).trim().split(/\s+/).filter(Boolean);
    assert.ok(bAddrs.length >= 2, `b has its overlay and docker_gwbridge addresses: ${bAddrs.join(' ')}`);
    // The probe itself works from a: its own code-server answers on its loopback.
    const self = await dockerExecResult(docker, ta.Id, ['bash', '-c', PROBE, 'probe', '127.0.0.1:8080']);
    assert.match(self.output, /127\.0\.0\.1:8080/);
    const targets = [
      `code-swarm-${b}:8080`,
      ...bAddrs.map((x) => `${x}:8080`),
      ...NODES.flatMap((n) => ports.map((p) => `${lab().hosts[n].address}:${p}`)),
    ];
    const r = await dockerExecResult(docker, ta.Id, ['bash', '-c', PROBE, 'probe', ...targets]);
    assert.equal(r.output.trim(), '', `a reaches ${r.output}`);
  });
});
