import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import type { Swarm } from '../../src/core/swarm.js';
import { containerName } from '../../src/providers/docker/dockerNames.js';
import type { Tunnel } from '../../src/transport/tunnel.js';
import { lab, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');

/**
 * code-server refuses --idle-timeout-seconds of 60 or less, so 61 s is the
 * shortest timeout there is; the 2 minutes would only make the suite
 * longer. With no activity at all, code-server's timer runs from its start,
 * so the probed instance stops ~61 s after it started.
 */
const TIMEOUT = '61s';
/** Long enough that an idle instance would have stopped: its heart expires a minute after the last beat, then the 61 s run. */
const HOLD_MS = 150_000;
/** Between two health rounds of the probing monitor: "every few seconds". */
const PROBE_EVERY_MS = 3_000;

/** One browser-like tab through the tunnel: a WebSocket to code-server held open, reopened if closed (as VS Code's client does). */
function openTab(tunnel: Tunnel, cookie: string): { close(): void; opened: () => number } {
  let ws: WebSocket | undefined;
  let closed = false;
  let opened = 0;
  const connect = () => {
    if (closed) return;
    const url = `ws://127.0.0.1:${tunnel.port}/?reconnectionToken=${randomUUID()}&reconnection=false&skipWebSocketFrames=false`;
    ws = new WebSocket(url, { headers: { cookie } });
    ws.on('open', () => opened++);
    ws.on('error', () => undefined);
    ws.on('close', () => setTimeout(connect, 1_000));
  };
  connect();
  return {
    close() {
      closed = true;
      ws?.terminate();
    },
    opened: () => opened,
  };
}

describe('idle auto-stop on Docker (alpha), Podman (epsilon) and LXD (gamma), with the CLI only', function () {
  this.timeout(420_000);
  let state: string;
  let swarm: Swarm;
  const probed = uniqueName('idlep');
  const tabbed = uniqueName('idlet');
  /** On LXD, Code Swarm's own rounds stop it (docs/IDLE.md); it waits in the same loop as the others. */
  const onLxd = uniqueName('idlel');
  /** On Podman, code-server stops itself as on Docker. */
  const onPodman = uniqueName('idlepm');

  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, '--state-dir', state, '--known-hosts', lab().knownHosts, ...args], {
      encoding: 'utf8',
      timeout: 200_000,
      env: { ...process.env, SSH_AUTH_SOCK: '' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (...args: string[]) => {
    const r = run('--json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown> & Array<Record<string, unknown>>;
  };
  const listed = (name: string) => json('list').find((v) => v.name === name);

  before(async () => {
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node'), 'the CLI is built (npm run build)');
    state = suiteDir('csw-idle-');
    const a = lab().hosts.alpha;
    json('hosts', 'add', 'alpha', '--ssh', `alpha@${a.address}:${a.port}`, '--identity', lab().clientKey);
    const g = lab().hosts.gamma;
    json('hosts', 'add', 'gamma', '--ssh', `gamma@${g.address}:${g.port}`, '--identity', lab().clientKey);
    const e = lab().hosts.epsilon;
    json('hosts', 'add', 'epsilon', '--ssh', `epsilon@${e.address}:${e.port}`, '--identity', lab().clientKey, '--provider', 'podman');
    // The same state directory, as the extension would share it: the probing monitor below is Code Swarm's own.
    ({ swarm } = await labSwarm(state));
  });
  after(async () => {
    for (const name of [probed, tabbed, onLxd, onPodman]) run('delete', name, '--purge');
    swarm?.dispose();
  });

  it('refuses a duration code-server would refuse, in one line, before asking the host', () => {
    const r = run('create', 'x', '--host', 'alpha', '--idle-timeout', '60s');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^code-swarm: Idle timeout "60s" is too short: code-server's own minimum is more than 60s\..*\n$/);
    const bad = run('idle', 'x', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a duration/);
  });

  it('an instance probed every few seconds stops by itself; one with a tab open through the tunnel does not', async () => {
    const [p, t] = [probed, tabbed].map((name) =>
      json('create', name, '--host', 'alpha', '--image', lab().dockerImage, '--cpus', '1', '--memory', '1g', '--idle-timeout', TIMEOUT),
    );
    const l = json(
      'create',
      onLxd,
      '--host',
      'gamma',
      '--image',
      lab().lxdImage,
      '--cpus',
      '1',
      '--memory',
      '1g',
      '--idle-timeout',
      TIMEOUT,
    );
    assert.equal(l.idleEnforcedBy, 'code-swarm', 'LXD: Code Swarm stops it');
    json('create', onPodman, '--host', 'epsilon', '--image', lab().dockerImage, '--cpus', '1', '--memory', '1g', '--idle-timeout', TIMEOUT);
    assert.equal(p?.idleTimeoutSeconds, 61);
    assert.equal(t?.idleTimeoutSeconds, 61);
    const docker = labDocker('alpha');
    const policy = (await docker.getContainer(containerName(probed)).inspect()).HostConfig.RestartPolicy;
    assert.equal(policy?.Name, 'on-failure', 'an exit 0 after idling is not restarted; a crash is');

    // The tab: logged in through the tunnel as a browser is, then a WebSocket held open.
    const tunnel = await swarm.openTunnel(tabbed);
    const first = await fetch(tunnel.url, { redirect: 'manual' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.ok(cookie.startsWith(`${tunnel.cookie}=`), 'the tunnel logged the tab in');
    const page = await fetch(`http://127.0.0.1:${tunnel.port}/`, { headers: { cookie } });
    await page.text();
    const tab = openTab(tunnel, cookie);

    // Code Swarm's health monitor (health probes, then the idle round's heartbeat reads) and the CLI's health command, every few seconds.
    const started = Date.now();
    let rounds = 0;
    let stoppedAfterMs: number | undefined;
    try {
      while (Date.now() - started < HOLD_MS) {
        await swarm.healthRound();
        if (rounds % 5 === 0) run('health', probed);
        rounds++;
        if (stoppedAfterMs === undefined && !(await docker.getContainer(containerName(probed)).inspect()).State.Running) {
          stoppedAfterMs = Date.now() - started;
        }
        await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
      }
      const tabbedNow = (await docker.getContainer(containerName(tabbed)).inspect()).State;
      assert.equal(tabbedNow.Running, true, 'the instance with a tab open is still running');
      assert.ok(tab.opened() >= 1, 'the tab reached code-server');
      const tabbedView = (await swarm.views()).find((v) => v.name === tabbed);
      assert.equal(tabbedView?.idle?.active, true, 'its heartbeat says alive');
      assert.equal(tabbedView?.idle?.keptAliveBy, 'tunnel');
    } finally {
      tab.close();
      await tunnel.close();
    }
    assert.ok(rounds >= 30, `probed ${rounds} times`);
    assert.ok(stoppedAfterMs !== undefined, 'the probed instance stopped by itself');

    const info = (await docker.getContainer(containerName(probed)).inspect()).State;
    assert.equal(info.ExitCode, 0);
    assert.equal(info.Restarting, false, 'and stays stopped');
    const view = listed(probed);
    assert.equal(view?.state, 'stopped');
    assert.equal(view?.stoppedReason, 'idle');
    assert.equal(view?.idleEnforcedBy, 'code-server');
    assert.match(run('list').stdout, new RegExp(`${probed}\\s+alpha\\s+stopped`));
    const lxd = listed(onLxd);
    assert.equal(lxd?.state, 'stopped', 'the LXD instance, probed as often, was stopped by the idle rounds');
    assert.equal(lxd?.stoppedReason, 'idle');
    const podman = listed(onPodman);
    assert.equal(podman?.state, 'stopped', 'the Podman instance stopped by itself');
    assert.equal(podman?.stoppedReason, 'idle');
    assert.equal(podman?.idleEnforcedBy, 'code-server');
    assert.match(run('stop', tabbed).stdout, /: stopped, /);
  });

  it('a stop by the user is not taken for idling', () => {
    const v = listed(tabbed);
    assert.equal(v?.state, 'stopped');
    assert.equal(v?.stoppedReason, 'user');
    assert.match(run('list').stdout, new RegExp(`${tabbed}\\s+alpha\\s+stopped`));
  });

  it('Open on the instance stopped for idling starts it and lands logged in', async () => {
    const fresh = await labSwarm(state);
    try {
      const tunnel = await fresh.swarm.openTunnel(probed);
      try {
        const first = await fetch(tunnel.url, { redirect: 'manual' });
        assert.equal(first.status, 302);
        const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        let path = '/';
        let res: Response | undefined;
        for (let hops = 0; hops < 5; hops++) {
          res = await fetch(`http://127.0.0.1:${tunnel.port}${path}`, { redirect: 'manual', headers: { cookie } });
          const next = res.headers.get('location');
          if (res.status < 300 || res.status >= 400 || !next) break;
          const u = new URL(next, `http://127.0.0.1:${tunnel.port}${path}`);
          path = u.pathname + u.search;
        }
        assert.equal(res?.status, 200);
        assert.doesNotMatch(path, /login/);
        assert.match(await res!.text(), /workbench/i);
      } finally {
        await tunnel.close();
      }
      const view = listed(probed);
      assert.equal(view?.state, 'running');
      assert.equal(view?.stoppedReason, undefined, 'running again: no stop reason');
    } finally {
      fresh.swarm.dispose();
    }
  });

  it('changes the timeout later, and turns it off, keeping the container stopped', async () => {
    const docker = labDocker('alpha');
    const on = json('idle', tabbed, '2h');
    assert.equal(on.idleTimeoutSeconds, 7200);
    let info = await docker.getContainer(containerName(tabbed)).inspect();
    assert.ok(info.Config.Env.includes('CODE_SERVER_IDLE_TIMEOUT_SECONDS=7200'));
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'on-failure');
    const off = json('idle', tabbed, 'off');
    assert.equal(off.idleTimeoutSeconds, undefined);
    // Recreated from a commit of itself and not started: Docker calls it created.
    assert.ok(off.state === 'stopped' || off.state === 'created', String(off.state));
    info = await docker.getContainer(containerName(tabbed)).inspect();
    assert.equal(info.State.Running, false);
    assert.ok(info.Config.Env.includes('CODE_SERVER_IDLE_TIMEOUT_SECONDS='), 'off, whatever the committed image carried');
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
  });
});
