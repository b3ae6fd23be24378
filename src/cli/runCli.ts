import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SwarmError, toSwarmError } from '../shared/errors.js';
import { FileSecretStore } from '../core/fileSecretStore.js';
import type { ProviderKind } from '../shared/model.js';
import { Store } from '../core/store.js';
import { Swarm } from '../core/swarm.js';
import type { UnknownHostKey } from '../transport/sshConnection.js';
import { askHidden } from './askHidden.js';
import { changeLine, instanceChanges } from './instanceChanges.js';
import {
  createOutput,
  healthJson,
  hostJson,
  hostsTable,
  hostTestJson,
  instanceJson,
  instanceLine,
  instancesTable,
  table,
  type Output,
} from './output.js';

const USAGE = `usage: code-swarm <command> [options]

  hosts add NAME --ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd] [--jump USER@HOST[:PORT][,...]]
  hosts add NAME --local
  hosts list | hosts test NAME | hosts remove NAME [--force]
  create NAME --host HOST [--image IMG] [--cpus N] [--memory SIZE] [--no-wait]
  list [--host HOST]
  watch [--host HOST]          print each change the engines report (state, port) until Ctrl-C
  start|stop|restart NAME      delete NAME [--purge]
  health NAME                  logs NAME [--tail N] [--follow]
  open NAME [--port N]         password NAME
  snapshot NAME [--label L]    snapshots NAME
  restore NAME SNAPSHOT        snapshot-delete NAME SNAPSHOT

global options:
  --json                     machine-readable output (stable shapes)
  --state-dir DIR            default $CODE_SWARM_HOME or ~/.code-swarm
  --accept-new-host-key      trust a host key seen for the first time (a changed key is always refused)
  --known-hosts FILE         known_hosts file to trust (repeatable; default ~/.ssh/known_hosts)
  --ssh-config FILE          ssh config for host aliases (default ~/.ssh/config)
`;

const OPTIONS = {
  json: { type: 'boolean' },
  'state-dir': { type: 'string' },
  'accept-new-host-key': { type: 'boolean' },
  'known-hosts': { type: 'string', multiple: true },
  'ssh-config': { type: 'string' },
  ssh: { type: 'string' },
  local: { type: 'boolean' },
  identity: { type: 'string' },
  jump: { type: 'string' },
  provider: { type: 'string' },
  force: { type: 'boolean' },
  host: { type: 'string' },
  image: { type: 'string' },
  cpus: { type: 'string' },
  memory: { type: 'string' },
  'no-wait': { type: 'boolean' },
  purge: { type: 'boolean' },
  tail: { type: 'string' },
  follow: { type: 'boolean' },
  port: { type: 'string' },
  label: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

interface Ctx {
  readonly swarm: Swarm;
  readonly out: Output;
  readonly args: readonly string[];
  readonly v: Values;
}

type Command = (ctx: Ctx) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  'hosts add': hostsAdd,
  'hosts list': hostsList,
  'hosts test': hostsTest,
  'hosts remove': hostsRemove,
  create,
  list,
  watch,
  start: (c) => lifecycle(c, 'start'),
  stop: (c) => lifecycle(c, 'stop'),
  restart: (c) => lifecycle(c, 'restart'),
  delete: deleteInstance,
  health,
  logs,
  open,
  password,
  snapshot,
  snapshots,
  restore,
  'snapshot-delete': snapshotDelete,
};

/** The `code-swarm` command line. Returns the process exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    createOutput(false).error(`code-swarm: ${(e as Error).message.split('\n')[0]} — run "code-swarm --help"`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const out = createOutput(v.json === true);
  if (v.help || positionals.length === 0) {
    out.line(USAGE.trimEnd());
    return 0;
  }
  const two = `${positionals[0]} ${positionals[1] ?? ''}`;
  const key = COMMANDS[two] ? two : positionals[0]!;
  const command = COMMANDS[key];
  if (!command) {
    out.error(`code-swarm: unknown command "${positionals.join(' ')}" — run "code-swarm --help" for the list`);
    return 2;
  }
  const args = positionals.slice(key.split(' ').length);
  let swarm: Swarm | undefined;
  try {
    swarm = await openSwarm(v);
    await command({ swarm, out, args, v });
    return 0;
  } catch (e) {
    const err = toSwarmError(e);
    out.error(`code-swarm: ${err.oneLine()}`);
    return err.code === 'invalid-input' ? 2 : 1;
  } finally {
    swarm?.dispose();
  }
}

async function openSwarm(v: Values): Promise<Swarm> {
  const dir = v['state-dir'] ?? process.env.CODE_SWARM_HOME ?? join(homedir(), '.code-swarm');
  const [store, secrets] = await Promise.all([Store.open(dir), FileSecretStore.open(dir)]);
  const knownHosts = v['known-hosts'] ?? process.env.CODE_SWARM_KNOWN_HOSTS?.split(':').filter(Boolean);
  return new Swarm({
    store,
    secrets,
    access: {
      ...(knownHosts ? { knownHostsFiles: knownHosts } : {}),
      ...(v['ssh-config'] ? { sshConfigPath: v['ssh-config'] } : {}),
      onUnknownHostKey: () => v['accept-new-host-key'] === true,
      askPassphrase: (path) => (process.stdin.isTTY ? askHidden(`Passphrase for ${path}: `) : Promise.resolve(undefined)),
    },
  });
}

function need(ctx: Ctx, count: number, usage: string): string[] {
  if (ctx.args.length !== count) throw new SwarmError(`Expected ${usage}`, { code: 'invalid-input', hint: 'Run "code-swarm --help" for the usage' });
  return [...ctx.args];
}

async function hostsAdd(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'hosts add NAME --ssh USER@HOST[:PORT] | --local');
  const { v } = ctx;
  if (v.local === (v.ssh !== undefined)) {
    throw new SwarmError('Give exactly one of --ssh USER@HOST[:PORT] or --local', { code: 'invalid-input' });
  }
  if (v.provider !== undefined && v.provider !== 'docker' && v.provider !== 'lxd') {
    throw new SwarmError(`Unknown provider "${v.provider}"`, { code: 'invalid-input', hint: 'Use --provider docker or --provider lxd' });
  }
  const seen: UnknownHostKey[] = [];
  const host = await ctx.swarm.addHost(
    v.local
      ? { name: name!, local: true }
      : {
          name: name!,
          ssh: v.ssh!,
          ...(v.identity ? { identityFile: v.identity } : {}),
          ...(v.provider ? { provider: v.provider as ProviderKind } : {}),
          ...(v.jump ? { proxyJump: v.jump } : {}),
        },
    { onUnknownHostKey: (k) => (seen.push(k), v['accept-new-host-key'] === true) },
  );
  ctx.out.data(hostJson(host), () =>
    [...seen.map((k) => `Trusted new host key ${k.keyType} ${k.fingerprint} for ${k.host}:${k.port}`), `Added ${host.name} (${host.provider}, ${host.address})`].join('\n'),
  );
}

async function hostsList(ctx: Ctx): Promise<void> {
  need(ctx, 0, 'hosts list');
  const hosts = await ctx.swarm.hosts();
  ctx.out.data(hosts.map(hostJson), () => hostsTable(hosts));
}

async function hostsTest(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'hosts test NAME');
  const r = await ctx.swarm.testHost(name!);
  ctx.out.data(hostTestJson(r), () => (r.ok ? `${r.name}: ok, ${r.engineVersion}, ${r.latencyMs} ms` : `${r.name}: FAILED — ${r.error}`));
  if (!r.ok) throw new SwarmError(`${r.name} failed its test: ${r.error}`, { code: 'unreachable' });
}

async function hostsRemove(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'hosts remove NAME');
  await ctx.swarm.removeHost(name!, { force: ctx.v.force === true });
  ctx.out.data({ name, removed: true }, () => `Removed ${name}`);
}

async function create(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'create NAME --host HOST');
  const { v } = ctx;
  if (!v.host) throw new SwarmError('create needs --host HOST', { code: 'invalid-input', hint: 'List hosts with: code-swarm hosts list' });
  let view = await ctx.swarm.create(
    {
      name: name!,
      host: v.host,
      // An empty value is bad input, not "use the default".
      ...(v.image !== undefined ? { image: v.image } : {}),
      ...(v.cpus !== undefined ? { cpus: v.cpus } : {}),
      ...(v.memory !== undefined ? { memory: v.memory } : {}),
    },
    { onProgress: (m) => (ctx.out.json ? undefined : ctx.out.error(m)) },
  );
  if (!v['no-wait']) view = await ctx.swarm.waitHealthy(view.name, { timeoutMs: 180_000 });
  ctx.out.data(instanceJson(view), () => instanceLine(view));
}

async function list(ctx: Ctx): Promise<void> {
  need(ctx, 0, 'list [--host HOST]');
  await ctx.swarm.refresh(ctx.v.host);
  await ctx.swarm.healthRound();
  const views = await ctx.swarm.views(ctx.v.host);
  ctx.out.data(views.map(instanceJson), () => instancesTable(views));
}

/**
 * Follows the engines' events (as the extension's view does) and prints one
 * line per change; with --json, one object per line. Progress and retries go
 * to stderr, so stdout carries changes only.
 */
async function watch(ctx: Ctx): Promise<void> {
  need(ctx, 0, 'watch [--host HOST]');
  const host = ctx.v.host;
  let shown = await ctx.swarm.refresh(host);
  const watcher = ctx.swarm.engineWatcher({
    ...(host !== undefined ? { host } : {}),
    onListed: (listed, views) => {
      const before = shown.filter((v) => v.host === listed);
      for (const c of instanceChanges(before, views)) ctx.out.data({ ...c, at: new Date().toISOString() }, () => changeLine(c));
      shown = [...shown.filter((v) => v.host !== listed), ...views];
    },
    onOpen: (h) => ctx.out.error(`code-swarm: watching ${h} (Ctrl-C ends)`),
    onError: (h, e) => ctx.out.error(`code-swarm: ${h}: ${toSwarmError(e).oneLine()} (retrying)`),
  });
  try {
    await watcher.sync();
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    watcher.dispose();
  }
}

async function lifecycle(ctx: Ctx, verb: 'start' | 'stop' | 'restart'): Promise<void> {
  const [name] = need(ctx, 1, `${verb} NAME`);
  let view = await ctx.swarm[verb](name!);
  if (verb !== 'stop' && !ctx.v['no-wait']) view = await ctx.swarm.waitHealthy(name!, { timeoutMs: 120_000 });
  ctx.out.data(instanceJson(view), () => instanceLine(view));
}

async function deleteInstance(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'delete NAME [--purge]');
  await ctx.swarm.delete(name!, { purge: ctx.v.purge === true });
  ctx.out.data({ name, deleted: true, volumeKept: ctx.v.purge !== true }, () =>
    ctx.v.purge ? `Deleted ${name} and its workspace volume` : `Deleted ${name} (its workspace volume is kept; --purge removes it)`,
  );
}

async function health(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'health NAME');
  const r = await ctx.swarm.checkHealth(name!);
  ctx.out.data(healthJson(r), () => `${r.name}: ${r.health}${r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}, ${r.latencyMs} ms`);
}

async function logs(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'logs NAME [--tail N] [--follow]');
  const tail = ctx.v.tail === undefined ? 200 : Number(ctx.v.tail);
  if (!Number.isInteger(tail) || tail < 0) throw new SwarmError(`--tail must be a whole number, not "${ctx.v.tail}"`, { code: 'invalid-input' });
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  try {
    const stream = await ctx.swarm.logs(name!, { tail, follow: ctx.v.follow === true, signal: abort.signal });
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (c: Buffer) => ctx.out.raw(c));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  } finally {
    process.off('SIGINT', stop);
  }
}

async function open(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'open NAME [--port N]');
  const port = ctx.v.port === undefined ? undefined : Number(ctx.v.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new SwarmError(`--port must be 1-65535, not "${ctx.v.port}"`, { code: 'invalid-input' });
  }
  const tunnel = await ctx.swarm.openTunnel(name!, port === undefined ? {} : { port });
  ctx.out.data({ name, url: tunnel.url }, () => `${name}: ${tunnel.url}\n(the tunnel stays open until you press Ctrl-C)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await tunnel.close();
}

async function password(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'password NAME');
  const pw = await ctx.swarm.password(name!);
  ctx.out.data({ name, password: pw }, () => pw);
}

async function snapshot(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'snapshot NAME [--label L]');
  const s = await ctx.swarm.snapshot(name!, ctx.v.label);
  // On stderr in human mode, so a script reading stdout still gets just the result line.
  if (s.warning !== undefined && !ctx.out.json) ctx.out.error(`code-swarm: warning: ${s.warning}`);
  ctx.out.data(
    { name, snapshot: s.name, createdAt: s.createdAt, label: s.label ?? null, warning: s.warning ?? null },
    () => `Snapshot ${s.name} of ${name} taken`,
  );
}

async function snapshots(ctx: Ctx): Promise<void> {
  const [name] = need(ctx, 1, 'snapshots NAME');
  const list = await ctx.swarm.snapshots(name!);
  ctx.out.data(
    list.map((s) => ({ name: s.name, createdAt: s.createdAt, label: s.label ?? null })),
    () => (list.length ? table([['SNAPSHOT', 'CREATED', 'LABEL'], ...list.map((s) => [s.name, s.createdAt, s.label ?? ''])]) : `${name} has no snapshots`),
  );
}

async function restore(ctx: Ctx): Promise<void> {
  const [name, snap] = need(ctx, 2, 'restore NAME SNAPSHOT');
  const view = await ctx.swarm.restore(name!, snap!);
  ctx.out.data(instanceJson(view), () => `Restored ${name} to ${snap}`);
}

async function snapshotDelete(ctx: Ctx): Promise<void> {
  const [name, snap] = need(ctx, 2, 'snapshot-delete NAME SNAPSHOT');
  await ctx.swarm.deleteSnapshot(name!, snap!);
  ctx.out.data({ name, snapshot: snap, deleted: true }, () => `Deleted snapshot ${snap} of ${name}`);
}
