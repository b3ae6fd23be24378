// The tunnel worker's entry script: it runs on the tunnel's own thread (the
// caller holds a TunnelWorkerHandle, tunnelWorkerHandle.ts) with one SSH
// connection of its own to the host, and a SessionTunnel over it, until told
// to close. Bundled as dist/tunnelWorkerEntry.js (scripts/build.mjs).
import { parentPort, workerData } from 'node:worker_threads';
import { toSwarmError } from '../shared/errors.js';
import { SessionTunnel } from './sessionTunnel.js';
import { SshConnection } from './sshConnection.js';
import { SshHostLink } from './sshHostLink.js';
import type { FromTunnelWorker, ToTunnelWorker, TunnelWorkerInit } from './tunnelWorkerProtocol.js';

const init = workerData as TunnelWorkerInit;
const passphrases = new Map<number, (value: string | undefined) => void>();
let nextId = 1;
let tunnel: SessionTunnel | undefined;
let link: SshHostLink | undefined;

function post(m: FromTunnelWorker): void {
  parentPort?.postMessage(m);
}

function askPassphrase(keyPath: string): Promise<string | undefined> {
  const id = nextId++;
  return new Promise((resolve) => {
    passphrases.set(id, resolve);
    post({ type: 'ask-passphrase', id, keyPath });
  });
}

async function start(): Promise<void> {
  link = new SshHostLink(
    new SshConnection({
      endpoint: init.endpoint,
      // Only keys trusted already: a new or changed one is refused here, and
      // the caller falls back to the host's shared connection, which can ask.
      hostKeys: { knownHosts: async () => [...init.knownHosts], onUnknown: () => false },
      ...(init.asksPassphrase ? { askPassphrase } : {}),
      connectTimeoutMs: init.connectTimeoutMs,
    }),
  );
  try {
    // Connect first, so that a refused key or login fails the open, not the first request.
    await link.connection.ready();
    tunnel = await SessionTunnel.open({
      link,
      remotePort: init.remotePort,
      cookieName: init.cookieName,
      sessionCookie: init.sessionCookie,
      ...(init.localPort !== undefined ? { localPort: init.localPort } : {}),
    });
    post({ type: 'ready', port: tunnel.port, url: tunnel.url, cookie: tunnel.cookie });
  } catch (e) {
    link.dispose();
    const err = toSwarmError(e);
    post({ type: 'error', message: err.message, code: err.code, ...(err.hint !== undefined ? { hint: err.hint } : {}) });
  }
}

async function close(): Promise<void> {
  await tunnel?.close();
  link?.dispose();
  post({ type: 'closed' });
  parentPort?.close();
}

parentPort?.on('message', (m: ToTunnelWorker) => {
  if (m.type === 'passphrase') {
    passphrases.get(m.id)?.(m.value);
    passphrases.delete(m.id);
  } else if (m.type === 'issue-url') {
    // Asked only after 'ready', so the tunnel is there.
    if (tunnel) void tunnel.issueUrl().then((url) => post({ type: 'url', id: m.id, url }));
  } else if (m.type === 'close') {
    void close();
  }
});
void start();
