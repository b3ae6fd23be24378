import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOP_UP_WORD } from '../../src/cli/detachedTopUp.js';
import { LABEL } from '../../src/providers/common/labels.js';
import { POOL_LABEL } from '../../src/providers/swarm/swarmModeNames.js';
import { readySlots, SlotClaimListSchema, SlotContainerListSchema } from '../../src/providers/swarm/swarmModeSlotChoice.js';
import { eventually } from '../lab/eventually.js';
import { lab, labDocker, uniqueName } from '../lab/lab.js';
import { CLI, cliAddLabHost, labCli, purgeAll } from '../lab/labCli.js';
import { sweepSwarmSlots } from '../lab/swarmSlots.js';

const manager = labDocker('swarm1');

/** This store's ready slots on the manager, now. */
async function readyCount(storeId: string): Promise<number> {
  const filters = { label: [POOL_LABEL] };
  const containers = SlotContainerListSchema.parse(await manager.listContainers({ all: true, filters }));
  const claims = SlotClaimListSchema.parse(await manager.listConfigs({ filters }));
  return readySlots(containers, claims, storeId).length;
}

/** This machine's processes running the CLI's detached top-up on this state folder (their pids). */
function topUpChildren(state: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.includes(TOP_UP_WORD) && argv.includes(state)) pids.push(Number(entry));
  }
  return pids;
}

describe('code-swarm create on a swarm host: the refill goes to a detached child (issue #18)', function () {
  this.timeout(300_000);
  let state: string;
  const cli = labCli(() => state);
  before(() => {
    state = mkdtempSync(join(tmpdir(), 'code-swarm-cli-refill-'));
    // The lab machine's kernel has no IPsec ESP: plain overlays.
    cliAddLabHost(cli, 'swarm1', '--provider', 'swarm', '--overlay', 'plain');
  });
  after(async () => {
    purgeAll(cli);
    cli('hosts', 'remove', 'swarm1', '--force');
    await sweepSwarmSlots(manager);
    rmSync(state, { recursive: true, force: true });
  });

  it('returns once healthy, before the refill, and the child leaves exactly one ready slot and exits', async () => {
    const name = uniqueName('swcli');
    const made = cli('--json', 'create', name, '--host', 'swarm1', '--node', 'swarm1', '--image', lab().dockerImage);
    assert.equal(made.status, 0, made.stderr);
    assert.equal((JSON.parse(made.stdout) as { health: string }).health, 'healthy');
    const svc = (await manager.getService(`code-swarm-${name}`).inspect()) as { Spec: { Labels: Record<string, string> } };
    const storeId = svc.Spec.Labels[LABEL.store]!;
    // The first create of a store finds no slot; its refill (seconds on the manager) has not made one yet.
    assert.equal(await readyCount(storeId), 0, 'the create returned before its refill was done');
    assert.ok(topUpChildren(state).length > 0, 'the refill runs in a child of its own');

    await eventually(
      'a ready slot of the store',
      () => readyCount(storeId),
      (n) => n > 0,
      60_000,
    );
    await eventually(
      'the detached child gone',
      async () => topUpChildren(state),
      (pids) => pids.length === 0,
      30_000,
    );
    assert.equal(await readyCount(storeId), 1, 'exactly one ready slot');
  });

  it('leaves nothing of a slot a child is making when its host is removed (the removal takes it, or the child)', async () => {
    // A store with no ready slot (the removal takes the first test's), so the child makes one.
    purgeAll(cli);
    assert.equal(cli('hosts', 'remove', 'swarm1').status, 0);
    cliAddLabHost(cli, 'swarm1', '--provider', 'swarm', '--overlay', 'plain');
    const storeId = (JSON.parse(readFileSync(join(state, 'swarm.json'), 'utf8')) as { storeId: string }).storeId;
    // The child as a create hands it off (detachedTopUp.ts), here awaited.
    const child = spawn(
      process.execPath,
      [CLI, TOP_UP_WORD, 'swarm1', lab().dockerImage, '--state-dir', state, '--known-hosts', lab().knownHosts],
      { stdio: 'ignore', env: { ...process.env, SSH_AUTH_SOCK: '' } },
    );
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    const filters = { label: [POOL_LABEL, `${LABEL.store}=${storeId}`] };
    // The child is making a slot (its overlay exists, its gateway not ready yet): the host goes now.
    await eventually(
      'the child making a slot',
      () => manager.listNetworks({ filters }),
      (n) => n.length > 0,
      30_000,
      50,
    );
    const removed = cli('hosts', 'remove', 'swarm1');
    assert.equal(removed.status, 0, removed.stderr);
    await exited;
    const left = async () => [
      ...(await manager.listContainers({ all: true, filters })).map((c) => `container ${c.Names.join(',')}`),
      ...(await manager.listNetworks({ filters })).map((n) => `network ${n.Name}`),
      ...(await manager.listConfigs({ filters })).map((c) => `config ${c.Spec?.Name ?? c.ID}`),
    ];
    // An overlay's removal reaches the manager's list a moment after the call returns.
    await eventually("nothing of the store's slots left on the manager", left, (l) => l.length === 0, 30_000);
    cliAddLabHost(cli, 'swarm1', '--provider', 'swarm', '--overlay', 'plain');
  });
});
