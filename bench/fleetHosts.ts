// The lab's fleet (fleet01..fleet10) as the fleet bench finds it, starts it and stops it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { lab, type LabHost } from '../test/lab/lab.js';
import { readLabEnv } from '../test/lab/labEnv.js';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

export function memAvailableMB(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

/** The fleet as env.json describes it now (read afresh: `fleet-up` rewrites it after lab() cached it). */
function readFleet(): Record<string, LabHost> {
  return readLabEnv(join(lab().root, 'env.json')).fleet ?? {};
}

async function fleetAnswers(fleet: Record<string, LabHost>): Promise<boolean> {
  const hosts = Object.values(fleet);
  if (hosts.length === 0) return false;
  const pings = await Promise.allSettled(hosts.map((h) => new Docker({ socketPath: h.engineSocketOnLabMachine }).ping()));
  return pings.every((p) => p.status === 'fulfilled');
}

const TESTBED = join(ROOT, 'scripts', 'testbed');

/** The fleet's hosts, started with `scripts/testbed fleet-up` when they are not up; `started` says whether this call did. */
export async function ensureFleet(log: (l: string) => void): Promise<{ fleet: Record<string, LabHost>; started: boolean }> {
  let fleet = readFleet();
  if (await fleetAnswers(fleet)) return { fleet, started: false };
  if (process.getuid?.() !== 0)
    throw new Error('the lab\'s fleet is not up: run "bash scripts/testbed fleet-up" as root (or run the bench as root)');
  log('the fleet is not up: scripts/testbed fleet-up');
  const t0 = performance.now();
  await execFileAsync('bash', [TESTBED, 'fleet-up'], { timeout: 15 * 60_000, maxBuffer: 16 * 2 ** 20 }).catch(
    (e: { stderr?: string; message: string }) => {
      throw new Error(`scripts/testbed fleet-up failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`);
    },
  );
  log(`fleet up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  fleet = readFleet();
  if (!(await fleetAnswers(fleet))) throw new Error("scripts/testbed fleet-up ended but the fleet's engines do not answer");
  return { fleet, started: true };
}

export async function stopFleet(log: (l: string) => void): Promise<void> {
  log('stopping the fleet this run started (scripts/testbed fleet-down)');
  await execFileAsync('bash', [TESTBED, 'fleet-down'], { timeout: 5 * 60_000 }).catch((e: Error) =>
    log(`fleet-down failed: ${e.message.split('\n')[0]}`),
  );
}
