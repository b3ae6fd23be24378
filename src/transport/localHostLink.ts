import { execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SwarmError } from '../shared/errors.js';
import type { HostLink, LinkState } from './hostLink.js';
import type { ExecOptions, ExecResult, ExecStream } from './execTypes.js';

/** This machine as a host: local sockets and processes, no SSH. */
export class LocalHostLink implements HostLink {
  readonly kind = 'local';
  readonly connectMs = 0;

  constructor(
    readonly label = 'local',
    private readonly timeoutMs = 5_000,
  ) {}

  openUnixSocket(path: string): Promise<Duplex> {
    return this.open(() => connect({ path }), path);
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return this.open(() => connect({ host, port }), `${host}:${port}`);
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.reject(new SwarmError('Nothing to run', { code: 'invalid-input' }));
    return new Promise((resolve, reject) => {
      // execFile takes argv as is: no shell is involved on this machine.
      const child = execFile(
        file,
        args,
        { timeout: options.timeoutMs ?? 0, maxBuffer: options.maxBytes ?? 16 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
          if (e && e.code === 'ENOENT') {
            reject(new SwarmError(`"${file}" is not installed on ${this.label}`, { code: 'engine-missing', cause: e }));
            return;
          }
          if (e?.killed) {
            reject(new SwarmError(`"${file}" did not finish within ${options.timeoutMs} ms`, { code: 'timeout', cause: e }));
            return;
          }
          resolve({ code: typeof e?.code === 'number' ? e.code : e ? 1 : 0, stdout, stderr });
        },
      );
      if (options.stdin !== undefined) child.stdin?.end(options.stdin);
      else child.stdin?.end();
    });
  }

  execStream(argv: readonly string[]): Promise<ExecStream> {
    const [file, ...args] = argv;
    if (!file) return Promise.reject(new SwarmError('Nothing to run', { code: 'invalid-input' }));
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const exit = new Promise<number>((done) => child.once('close', (code) => done(code ?? -1)));
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT')
          reject(new SwarmError(`"${file}" is not installed on ${this.label}`, { code: 'engine-missing', cause: e }));
        else reject(new SwarmError(`Cannot run "${file}" on ${this.label}: ${e.message}`, { code: 'internal', cause: e }));
      });
      child.once('spawn', () => resolve({ stdout: child.stdout, stderr: child.stderr, exit, close: () => void child.kill('SIGTERM') }));
    });
  }

  onStateChange(_listener: (state: LinkState, reason?: Error) => void): () => void {
    // The local machine never drops.
    return () => undefined;
  }

  dispose(): void {
    // Nothing held open between calls.
  }

  private open(make: () => Socket, what: string): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = make();
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SwarmError(`Timed out connecting to ${what} on ${this.label}`, { code: 'timeout' }));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(localSocketError(this.label, what, e));
      });
    });
  }
}

function localSocketError(label: string, what: string, e: NodeJS.ErrnoException): SwarmError {
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
      return new SwarmError(`Permission denied opening ${what} on ${label}`, {
        code: 'permission-denied',
        hint: 'Add your user to the group that owns the socket (e.g. docker), then log in again',
        cause: e,
      });
    case 'ENOENT':
      return new SwarmError(`${what} does not exist on ${label}`, {
        code: 'engine-missing',
        hint: 'Is the engine installed and running?',
        cause: e,
      });
    case 'ECONNREFUSED':
      return new SwarmError(`Nothing is listening on ${what} on ${label}`, {
        code: 'unreachable',
        hint: 'Start the service, then retry',
        cause: e,
      });
    default:
      return new SwarmError(`Cannot connect to ${what} on ${label}: ${e.message}`, { code: 'unreachable', cause: e });
  }
}
