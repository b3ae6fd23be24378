import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { generateCookieSuffix, hashPassword } from '../../src/core/password.js';
import type { Swarm } from '../../src/core/swarm.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { containerOptions, specFromInspect } from '../../src/providers/docker/containerOptions.js';
import { ICC_OPTION, NETWORK_LABEL, NETWORK_NAME } from '../../src/providers/docker/dockerNetwork.js';
import { containerName, volumeName } from '../../src/providers/docker/dockerNames.js';
import { DockerProvider } from '../../src/providers/docker/dockerProvider.js';
import { lxdInstanceName } from '../../src/providers/lxd/lxdPaths.js';
import type { InstanceSpec } from '../../src/providers/provider.js';
import type { HostLink } from '../../src/transport/hostLink.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { eventually } from '../lab/eventually.js';
import { addLabHost, dockerExecResult, lab, labConnection, labDocker, labSwarm, uniqueName } from '../lab/lab.js';

/** Marks the plain containers this suite starts itself, so its clean-up finds every one. */
const PLAIN_LABEL = 'code-swarm-test.isolation';
/** A TCP connect that gives up after 3 s: exit 0 if it connected, anything else if not. */
const CONNECT = ['timeout', '3', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'connect'];

function connectFrom(docker: Docker, containerId: string, address: string, port = 8080): Promise<{ code: number; output: string }> {
  return dockerExecResult(docker, containerId, [...CONNECT, address, String(port)]);
}

/** The addresses a container has on its networks, whichever they are. */
function addressesOf(info: Docker.ContainerInspectInfo): string[] {
  return Object.values(info.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .filter((a) => a !== '');
}

async function inspectByName(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(containerName(name)).inspect();
}

/** Waits until the server inside the container accepts on its own loopback (the light server starts in a moment). */
async function untilListening(docker: Docker, containerId: string): Promise<void> {
  await eventually(
    'the server in the container listens',
    () => connectFrom(docker, containerId, '127.0.0.1'),
    (r) => r.code === 0,
    30_000,
    200,
  );
}

describe('isolation: Docker instances on one host cannot reach each other', function () {
  this.timeout(300_000);
  const docker = labDocker('alpha');
  let swarm: Swarm;
  const a = uniqueName('iso-a');
  const b = uniqueName('iso-b');

  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'alpha');
    await Promise.all([a, b].map((name) => swarm.create({ name, host: 'alpha', image: lab().lightImage })));
    await Promise.all([a, b].map((name) => swarm.waitHealthy(name, { timeoutMs: 60_000 })));
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    for (const c of await docker.listContainers({ all: true, filters: { label: [PLAIN_LABEL] } })) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    swarm.dispose();
  });

  it('runs every instance on the isolated network only, ICC off, and still hardened and loopback-published', async () => {
    const net = await docker.getNetwork(NETWORK_NAME).inspect();
    assert.equal(net.Driver, 'bridge');
    assert.equal(net.Options?.[ICC_OPTION], 'false', 'inter-container traffic is off on the network');
    assert.equal(net.Labels?.[NETWORK_LABEL], 'isolated', 'the network carries our label');
    for (const name of [a, b]) {
      const info = await inspectByName(docker, name);
      assert.deepEqual(
        Object.keys(info.NetworkSettings.Networks),
        [NETWORK_NAME],
        `${name} is on no other network, not the default bridge`,
      );
      assert.ok(Object.keys(net.Containers ?? {}).includes(info.Id));
      assert.deepEqual(info.HostConfig.CapDrop, ['ALL']);
      assert.ok(info.HostConfig.SecurityOpt?.includes('no-new-privileges'));
      assert.ok((info.HostConfig.Memory ?? 0) > 0 && (info.HostConfig.NanoCpus ?? 0) > 0 && (info.HostConfig.PidsLimit ?? 0) > 0);
      const bindings = info.NetworkSettings.Ports['8080/tcp'] ?? [];
      assert.ok(bindings.length > 0, 'code-server is published');
      for (const binding of bindings) assert.equal(binding.HostIp, '127.0.0.1');
    }
  });

  it('lets A reach its own code-server and the outside, but not B (nor B reach A)', async () => {
    const [infoA, infoB] = await Promise.all([inspectByName(docker, a), inspectByName(docker, b)]);
    assert.equal((await connectFrom(docker, infoA.Id, '127.0.0.1')).code, 0, 'A reaches its own code-server on its loopback');
    // Outbound: beta's sshd is another machine of the lab, reached through the network's NAT.
    const out = await connectFrom(docker, infoA.Id, lab().hosts.beta.address, 22);
    assert.equal(out.code, 0, `A reaches another machine: ${out.output}`);
    const addressesOfB = addressesOf(infoB);
    assert.ok(addressesOfB.length > 0, 'B has an address to try');
    for (const address of addressesOfB) {
      const r = await connectFrom(docker, infoA.Id, address);
      assert.notEqual(r.code, 0, `A connected to B at ${address}:8080`);
    }
    for (const address of addressesOf(infoA))
      assert.notEqual((await connectFrom(docker, infoB.Id, address)).code, 0, `B connected to A at ${address}`);
  });

  it('would let them talk if it were not for the isolation: two plain containers on the default bridge do', async () => {
    const plain = await Promise.all(
      [0, 1].map(async () => {
        const c = await docker.createContainer({
          Image: lab().lightImage,
          Labels: { [PLAIN_LABEL]: 'plain' },
          HostConfig: { NetworkMode: 'bridge' },
        });
        await c.start();
        return c.inspect();
      }),
    );
    const [first, second] = plain as [Docker.ContainerInspectInfo, Docker.ContainerInspectInfo];
    await untilListening(docker, second.Id);
    const target = addressesOf(second)[0];
    assert.ok(target, 'the plain container has an address on the default bridge');
    const r = await connectFrom(docker, first.Id, target);
    assert.equal(r.code, 0, `the same probe between plain containers failed: ${r.output}`);
    // And an instance cannot reach that plain container either: its network is not the default bridge.
    assert.notEqual((await connectFrom(docker, (await inspectByName(docker, a)).Id, target)).code, 0);
  });

  it('moves an instance made before isolation off the default bridge when it is started, or restarted', async () => {
    const name = uniqueName('iso-old');
    await swarm.create({ name, host: 'alpha', image: lab().lightImage });
    await swarm.stop(name);
    // What an earlier version made: the same container, left on the default bridge.
    const current = await inspectByName(docker, name);
    const ref = { id: current.Config.Labels[LABEL.instance]!, name, containerId: current.Id };
    const volume = current.Mounts.find((m) => m.Type === 'volume')?.Name ?? volumeName(name);
    const before = containerOptions(specFromInspect(current, ref), {
      name: containerName(name),
      image: current.Config.Image,
      user: current.Config.User,
      volume,
    });
    await docker.getContainer(current.Id).remove({ force: true });
    const id = (await docker.createContainer(before)).id;
    assert.deepEqual(Object.keys((await docker.getContainer(id).inspect()).NetworkSettings.Networks), ['bridge']);
    await swarm.refresh('alpha');

    await swarm.start(name);
    const started = await docker.getContainer(id).inspect();
    assert.deepEqual(Object.keys(started.NetworkSettings.Networks), [NETWORK_NAME], 'moved, not copied');
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 60_000 })).health, 'healthy', 'published again, on the new network');
    for (const binding of started.NetworkSettings.Ports['8080/tcp'] ?? []) assert.equal(binding.HostIp, '127.0.0.1');
    for (const address of addressesOf(started))
      assert.notEqual((await connectFrom(docker, (await inspectByName(docker, a)).Id, address)).code, 0);

    // A running one (e.g. started by the engine's restart policy after an upgrade) moves on its next restart.
    await docker.getNetwork('bridge').connect({ Container: id });
    await docker.getNetwork(NETWORK_NAME).disconnect({ Container: id, Force: true });
    await swarm.restart(name);
    assert.deepEqual(Object.keys((await docker.getContainer(id).inspect()).NetworkSettings.Networks), [NETWORK_NAME]);
    assert.equal((await swarm.waitHealthy(name, { timeoutMs: 60_000 })).health, 'healthy');
    await swarm.delete(name, { purge: true });
  });
});

describe('isolation: the network is made once, however many creates race for it', function () {
  this.timeout(300_000);
  it('ten creates at once, from two processes, on a host without it: one network, which all ten join', async () => {
    const docker = labDocker('alpha');
    // A network of this test's own, so it starts absent whatever else runs on alpha.
    const network = `code-swarm-test-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const links: HostLink[] = [new SshHostLink(labConnection('alpha')), new SshHostLink(labConnection('alpha'))];
    const providers = links.map((link) => new DockerProvider(link, lab().hosts.alpha.remoteSocket, undefined, { network }));
    const names = Array.from({ length: 10 }, (_, i) => uniqueName(`race${i}`));
    try {
      const hashedPassword = hashPassword('not-used-by-this-test');
      const specs = names.map((name): InstanceSpec => ({
        id: `${name}-id`,
        name,
        image: lab().lightImage,
        cpus: 0.5,
        memoryBytes: 256 * 1024 ** 2,
        pidsLimit: 256,
        cookieSuffix: generateCookieSuffix(),
        hashedPassword,
        storeId: 'isolation-test',
      }));
      const made = await Promise.all(specs.map((spec, i) => providers[i % 2]!.create(spec)));
      assert.ok(made.every((o) => o.state === 'running'));
      const nets = (await docker.listNetworks({ filters: { name: [network] } })).filter((n) => n.Name === network);
      assert.equal(nets.length, 1, `one network, not ${nets.length}`);
      for (const name of names) {
        const info = await inspectByName(docker, name);
        assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [network], name);
      }
    } finally {
      for (const name of names) {
        await docker
          .getContainer(containerName(name))
          .remove({ force: true })
          .catch(() => undefined);
        await docker
          .getVolume(volumeName(name))
          .remove()
          .catch(() => undefined);
      }
      for (const n of (await docker.listNetworks({ filters: { name: [network] } })).filter((x) => x.Name === network)) {
        await removeNetworkWhenFree(docker, n.Id);
      }
      links.forEach((l) => l.dispose());
    }
  });
});

describe('isolation: Podman instances on epsilon each have a network stack of their own', function () {
  this.timeout(300_000);
  const docker = labDocker('epsilon');
  let swarm: Swarm;
  const a = uniqueName('iso-pa');
  const b = uniqueName('iso-pb');

  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'epsilon');
    await Promise.all([a, b].map((name) => swarm.create({ name, host: 'epsilon', image: lab().lightImage })));
    // Healthy means reached from the host, through SSH, on its loopback port: B is there to be reached.
    await Promise.all([a, b].map((name) => swarm.waitHealthy(name, { timeoutMs: 60_000 })));
  });
  after(async () => {
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  it('runs each on slirp4netns, on no shared network, published on 127.0.0.1 only', async () => {
    for (const name of [a, b]) {
      const info = await inspectByName(docker, name);
      assert.equal(info.HostConfig.NetworkMode, 'slirp4netns');
      assert.deepEqual(Object.keys(info.NetworkSettings.Networks ?? {}), [], `${name} is on no bridge network`);
      const bindings = info.NetworkSettings.Ports['8080/tcp'] ?? [];
      assert.ok(bindings.length > 0, 'code-server is published');
      for (const binding of bindings) assert.equal(binding.HostIp, '127.0.0.1');
    }
    assert.deepEqual(
      (await docker.listNetworks()).map((n) => n.Name).filter((n) => n === NETWORK_NAME),
      [],
      'no code-swarm network is made on Podman (it would drop the ICC switch)',
    );
  });

  it("lets A reach its own code-server and the outside, but not B's port by any of the host's addresses", async () => {
    const [infoA, infoB] = await Promise.all([inspectByName(docker, a), inspectByName(docker, b)]);
    assert.equal((await connectFrom(docker, infoA.Id, '127.0.0.1')).code, 0, 'A reaches its own code-server on its loopback');
    const out = await connectFrom(docker, infoA.Id, lab().hosts.beta.address, 22);
    assert.equal(out.code, 0, `A reaches another machine: ${out.output}`);
    const portB = Number(infoB.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort);
    assert.ok(portB > 0);
    // 10.0.2.2 is slirp4netns' way to the host's loopback (off); the host's own address; A's loopback is A's.
    for (const address of ['10.0.2.2', lab().hosts.epsilon.address, '127.0.0.1']) {
      const r = await connectFrom(docker, infoA.Id, address, portB);
      assert.notEqual(r.code, 0, `A connected to B's port at ${address}:${portB}`);
    }
  });
});

describe('isolation: LXD instances on gamma have loopback only', function () {
  this.timeout(600_000);
  let swarm: Swarm;
  let link: HostLink;
  const a = uniqueName('isol-a');
  const b = uniqueName('isol-b');

  /** A command in an LXD instance, through the lxc client on gamma. */
  const inInstance = (name: string, argv: readonly string[]) =>
    link.exec(['lxc', 'exec', lxdInstanceName(name), '--', ...argv], { timeoutMs: 30_000 });

  before(async () => {
    ({ swarm } = await labSwarm());
    await addLabHost(swarm, 'gamma');
    link = new SshHostLink(labConnection('gamma'));
    await Promise.all([a, b].map((name) => swarm.create({ name, host: 'gamma', image: lab().lxdImage })));
  });
  after(async () => {
    await Promise.all((await swarm.views()).map((v) => swarm.delete(v.name, { purge: true }).catch(() => undefined)));
    swarm.dispose();
    link.dispose();
  });

  it('gives an instance no network interface but loopback, so nothing but its proxy device reaches it', async () => {
    for (const name of [a, b]) {
      const r = await inInstance(name, ['ls', '/sys/class/net']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.stdout.split(/\s+/).filter(Boolean), ['lo'], `${name}'s interfaces`);
    }
  });

  it("keeps A away from B's published port: A's loopback is its own, and the host is not routed to", async () => {
    const views = await swarm.views();
    const portOfB = views.find((v) => v.name === b)?.port;
    assert.ok(portOfB, 'B is published on the host');
    const probe = (address: string, port: number) => inInstance(a, [...CONNECT, address, String(port)]);
    await eventually(
      "A's own code-server answers on its loopback",
      () => probe('127.0.0.1', 8080),
      (r) => r.code === 0,
      60_000,
      500,
    );
    assert.notEqual((await probe('127.0.0.1', portOfB)).code, 0, "B's host port is not on A's loopback");
    assert.notEqual((await probe(lab().hosts.gamma.address, portOfB)).code, 0, 'nor is the host reachable from A');
    // While the host itself reaches B there: the proxy device is the one way in.
    const fromHost = await link.exec([...CONNECT, '127.0.0.1', String(portOfB)], { timeoutMs: 10_000 });
    assert.equal(fromHost.code, 0, fromHost.stderr);
  });
});

/** A just force-removed container's endpoint may linger a moment ("has active endpoints"): retry briefly, then fail. */
async function removeNetworkWhenFree(docker: Docker, id: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.getNetwork(id).remove();
      return;
    } catch (e) {
      if (attempt >= 20 || !/active endpoints/.test(String(e))) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
