import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecInOptions, InstanceRef, InstanceSpec } from '../../../src/providers/provider.js';
import { readDevcontainer } from '../../../src/core/devcontainerFile.js';
import { withDevcontainer } from '../../../src/core/withDevcontainer.js';
import type { CreateInput } from '../../../src/core/instanceLifecycle.js';
import { fakeFleet, type FakeFleet } from './fakes/fakeFleet.js';

describe('create --devcontainer (fake host)', function () {
  this.timeout(20_000);
  let fleet: FakeFleet;
  let dir: string;
  let specs: InstanceSpec[];
  let execs: { argv: readonly string[]; options: ExecInOptions | undefined }[];
  /** The exit code and output each exec gives, in turn; then 0 and nothing. */
  let answers: { exitCode: number; lines: string[] }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'csw-dcc-'));
    fleet = await fakeFleet();
    await fleet.addHost('box');
    const engine = fleet.provider('box');
    specs = [];
    execs = [];
    answers = [];
    const create = engine.create.bind(engine);
    engine.create = (spec: InstanceSpec) => (specs.push(spec), create(spec));
    Object.assign(engine, {
      execIn: async (_ref: InstanceRef, argv: readonly string[], options?: ExecInOptions) => {
        execs.push({ argv, options });
        const a = answers.shift() ?? { exitCode: 0, lines: [] };
        a.lines.forEach((l) => options?.onOutput?.(l));
        return { exitCode: a.exitCode };
      },
    });
  });
  afterEach(async () => {
    await fleet.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (json: unknown) => {
    const path = join(dir, 'devcontainer.json');
    writeFileSync(path, JSON.stringify(json));
    return path;
  };

  it('creates with its image, env and limits, keeps forwardPorts and what it did not do, and runs postCreateCommand once as the remote user', async () => {
    const path = file({
      image: 'debian:12',
      containerEnv: { GREETING: 'hi' },
      forwardPorts: [3000, 5173],
      hostRequirements: { cpus: 2, memory: '3g' },
      remoteUser: 'vscode',
      postCreateCommand: 'echo made > marker',
      features: { 'ghcr.io/devcontainers/features/node:1': {} },
    });
    const logged: string[] = [];
    answers.push({ exitCode: 0, lines: ['made it'] });
    const view = await fleet.swarm.create({ name: 'web', host: 'box', devcontainer: path }, { onLog: (l) => logged.push(l) });
    assert.equal(view.image, 'debian:12');
    assert.deepEqual(view.forwardPorts, [3000, 5173]);
    assert.deepEqual(view.unsupported, ['features']);
    assert.equal(view.cpus, 2);
    assert.equal(view.memoryBytes, 3 * 1024 ** 3);
    assert.deepEqual(specs[0]?.env, { GREETING: 'hi' });
    assert.deepEqual(execs[0]?.argv, ['/bin/sh', '-c', 'echo made > marker']);
    assert.equal(execs[0]?.options?.user, 'vscode');
    assert.equal(execs[0]?.options?.workingDir, '/home/coder/project');
    // The second exec keeps a copy of the output in the instance.
    assert.equal(execs.length, 2);
    assert.match(execs[1]?.argv.join(' ') ?? '', /postCreateCommand\.log/);
    assert.deepEqual(logged, ['made it']);
    const listed = (await fleet.swarm.views()).find((v) => v.name === 'web');
    assert.deepEqual(listed?.forwardPorts, [3000, 5173], 'kept on the record');
  });

  it('a failing postCreateCommand takes the instance away and leaves a failed record with the output’s tail', async () => {
    const path = file({ image: 'debian:12', postCreateCommand: ['make', 'setup'] });
    answers.push({ exitCode: 2, lines: ['building…', 'make: *** [setup] Error 1'] });
    await assert.rejects(
      fleet.swarm.create({ name: 'web', host: 'box', devcontainer: path }),
      /postCreateCommand "make setup" failed with exit code 2: make: \*\*\* \[setup\] Error 1/,
    );
    const rec = (await fleet.swarm.views()).find((v) => v.name === 'web');
    assert.equal(rec?.state, 'failed');
    assert.match(rec?.buildLogTail ?? '', /building…\nmake: \*\*\* \[setup\] Error 1/);
    assert.equal(fleet.provider('box').instances.size, 0, 'no container left');
  });

  it('refuses a bad file before the host is asked anything', async () => {
    const path = join(dir, 'devcontainer.json');
    writeFileSync(path, '{ "image": "x", }}');
    const lists = fleet.provider('box').listCalls;
    await assert.rejects(fleet.swarm.create({ name: 'web', host: 'box', devcontainer: path }), /devcontainer\.json: not valid JSON/);
    assert.equal(fleet.provider('box').listCalls, lists);
    assert.deepEqual(specs, []);
    assert.deepEqual(await fleet.swarm.views(), []);
  });

  it('lets the command line win: a variable of the same name, --cpus, --memory; mounts add up; --image is refused', () => {
    const path = file({
      image: 'x',
      containerEnv: { A: 'file', B: 'file' },
      mounts: ['source=cache,target=/cache,type=volume'],
      hostRequirements: { cpus: 4, memory: '8gb', gpu: true },
    });
    const plan = readDevcontainer(path);
    const asked: CreateInput = { name: 'w', host: 'h', env: ['A=cli'], cpus: '1', mounts: ['data:/data'] };
    const input = withDevcontainer(asked, plan);
    assert.deepEqual(input.env, ['B=file', 'A=cli']);
    assert.deepEqual(input.mounts, ['cache:/cache', 'data:/data']);
    assert.equal(input.cpus, '1');
    assert.equal(input.memory, '8gb');
    assert.equal(input.gpus, 'all');
    assert.equal(input.image, 'x');
    assert.throws(() => withDevcontainer({ name: 'w', host: 'h', image: 'y' }, plan), /Give --devcontainer, or --image/);
  });
});
