import { connect } from 'node:net';
import type { CipherAlgorithm, Client, ClientChannel, ConnectConfig } from 'ssh2';
import { SwarmError } from '../shared/errors.js';
import { TypedEmitter } from '../shared/typedEmitter.js';
import { coalesceWrites } from './coalesceWrites.js';
import { collectExec } from './collectExec.js';
import { loadSsh2 } from './loadSsh2.js';
import type { ExecOptions, ExecResult, ExecStream } from './execTypes.js';
import { checkHostKey, type HostKeyVerdict } from './knownHosts.js';
import { quoteArgv } from './shellQuote.js';
import { channelError, connectError } from './sshErrors.js';
import { authSequence, loadIdentities } from './sshIdentities.js';
import type { SshConnectionOptions, SshEndpoint } from './sshTypes.js';

interface ConnectionEvents {
  up: [];
  down: [error: SwarmError | undefined];
}

/**
 * `sh -c SCRIPT sh CMD ARGS...`: runs CMD with stdin from /dev/null and sends
 * it SIGTERM once the caller's stdin (the SSH channel) reaches EOF or closes;
 * exits with CMD's status. The watcher's output goes to /dev/null so it never
 * keeps the channel open after CMD is gone.
 */
const STOP_ON_STDIN_EOF =
  'exec 3<&0 </dev/null; "$@" & p=$!; ' +
  '(cat <&3 >/dev/null 2>&1; kill -TERM "$p" 2>/dev/null) >/dev/null 2>&1 & w=$!; ' +
  'exec 3<&-; wait "$p"; c=$?; kill "$w" 2>/dev/null; exit "$c"';

/**
 * ssh2's own order puts AES-GCM first, fast only with its optional native
 * addon, which the bundles leave out: on Node's crypto it sets up a new
 * decipher for every 32 KB packet, and a 100 MB tunnel download ran at less
 * than half the speed of `ssh -L` (docs/PERFORMANCE.md, tunnel throughput).
 * AES-CTR (with ssh2's encrypt-then-MAC HMACs) keeps one stream cipher and
 * measured 2× faster there, and no slower with the addon; GCM and ChaCha20
 * stay as fallbacks for hosts that offer nothing else.
 */
const CIPHERS: CipherAlgorithm[] = [
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
];

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 15_000;

/**
 * One SSH connection to one host, opened on first use and shared by every
 * caller: Docker/LXD API streams, health probes, tunnels and exec all ride it
 * as channels. A drop is noticed by keepalives, reported as `down`, and
 * repaired in the background with exponential backoff.
 */
export class SshConnection extends TypedEmitter<ConnectionEvents> {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private failures = 0;
  private lastError: SwarmError | undefined;
  private lastFailureAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private jumpConnection: SshConnection | undefined;
  private readonly connectTimeoutMs: number;
  private readonly channelTimeoutMs: number;
  /** Round-trip time of the last successful connect, for tooltips. */
  lastConnectMs: number | undefined;

  constructor(private readonly opts: SshConnectionOptions) {
    super();
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.channelTimeoutMs = opts.channelTimeoutMs ?? 10_000;
  }

  get endpoint(): SshEndpoint {
    return this.opts.endpoint;
  }

  get isConnected(): boolean {
    return this.client !== undefined;
  }

  /** The live client, connecting if needed. Fails fast while backing off. */
  async ready(): Promise<Client> {
    if (this.disposed) throw new SwarmError(`The connection to ${this.endpoint.label} is closed`, { code: 'cancelled' });
    if (this.client) return this.client;
    if (this.connecting) return this.connecting;
    const wait = this.backoffMs() - (Date.now() - this.lastFailureAt);
    if (this.lastError && wait > 0 && isTransient(this.lastError)) throw this.lastError;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** A stream to a unix socket on the host (OpenSSH streamlocal forward). */
  async openUnixSocket(path: string): Promise<ClientChannel> {
    return this.openChannel(`socket ${path}`, (client, cb) => client.openssh_forwardOutStreamLocal(path, cb));
  }

  /** A stream to host:port as seen from the remote host (usually its loopback). */
  async openTcp(host: string, port: number): Promise<ClientChannel> {
    return this.openChannel(`${host}:${port}`, (client, cb) => client.forwardOut('127.0.0.1', 0, host, port, cb));
  }

  /** Runs argv on the host; every argument is quoted for a POSIX shell. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const command = quoteArgv(argv);
    const channel = await this.openChannel(`exec ${argv[0] ?? ''}`, (client, cb) => client.exec(command, cb));
    return collectExec(channel, this.endpoint.label, argv, options);
  }

  /**
   * Runs argv on the host with its stdout streamed. sshd ignores `signal`
   * requests and only closes the pipes when the channel closes, so a quiet
   * command (journalctl -f) would outlive the stream: a fixed POSIX wrapper
   * watches the channel's stdin instead and stops the command at its EOF.
   * argv stays positional parameters, never part of the script.
   */
  async execStream(argv: readonly string[]): Promise<ExecStream> {
    const command = quoteArgv(['sh', '-c', STOP_ON_STDIN_EOF, 'sh', ...argv]);
    const channel = await this.openChannel(`exec ${argv[0] ?? ''}`, (client, cb) => client.exec(command, cb));
    const exit = new Promise<number>((resolve) => {
      let code = -1;
      channel.on('exit', (c: number | null) => {
        code = c ?? -1;
      });
      channel.on('close', (closeCode?: number | null) => resolve(code === -1 && typeof closeCode === 'number' ? closeCode : code));
    });
    return {
      stdout: channel,
      stderr: channel.stderr,
      exit,
      close: () => {
        channel.end();
        channel.close();
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.client?.end();
    this.client = undefined;
    this.jumpConnection?.dispose();
    this.jumpConnection = undefined;
    this.removeAllListeners();
  }

  private backoffMs(): number {
    if (this.failures === 0) return 0;
    return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1));
  }

  private async openChannel(
    what: string,
    open: (client: Client, cb: (err: Error | undefined, channel: ClientChannel) => void) => void,
  ): Promise<ClientChannel> {
    const client = await this.ready();
    return new Promise<ClientChannel>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        // A channel that cannot open in time means the link is dead even if
        // keepalives have not noticed yet: drop it so the next call reconnects.
        this.drop(client, this.timeoutError(`opening ${what}`));
        reject(this.timeoutError(`opening ${what}`));
      }, this.channelTimeoutMs);
      try {
        open(client, (err, channel) => {
          clearTimeout(timer);
          if (settled) {
            channel?.close();
            return;
          }
          settled = true;
          if (err) reject(channelError(this.endpoint, what, err));
          else resolve(channel);
        });
      } catch (e) {
        clearTimeout(timer);
        settled = true;
        reject(channelError(this.endpoint, what, e));
      }
    });
  }

  private async connect(): Promise<Client> {
    const started = Date.now();
    const { endpoint } = this.opts;
    const known = await this.opts.hostKeys.knownHosts();
    const keys = await loadIdentities(endpoint.identityFiles, this.opts.askPassphrase);
    const agent = endpoint.agentSocket ?? process.env.SSH_AUTH_SOCK ?? '';
    let verdict: HostKeyVerdict | undefined;
    let keyBlob: Buffer | undefined;

    // ProxyJump: the TCP stream to this host is a channel on the hop's own
    // connection; the host key and auth checks below are unchanged.
    // Our own TCP socket (ssh2 takes a connecting one), so that its writes can be coalesced.
    const sock = coalesceWrites(endpoint.jump ? await this.viaJump(endpoint.jump) : connect({ host: endpoint.host, port: endpoint.port }));

    const client = new (loadSsh2().Client)();
    const config: ConnectConfig = {
      sock,
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      readyTimeout: this.connectTimeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      algorithms: { cipher: CIPHERS },
      hostVerifier: (blob: Buffer) => {
        keyBlob = blob;
        verdict = checkHostKey(known, endpoint.host, endpoint.port, blob);
        if (verdict.kind === 'match') return true;
        if (verdict.kind === 'unknown') {
          return this.opts.hostKeys.onUnknown({
            label: endpoint.label,
            host: endpoint.host,
            port: endpoint.port,
            keyType: verdict.keyType,
            fingerprint: verdict.fingerprint,
            keyBlob: blob,
          });
        }
        return false;
      },
      authHandler: authSequence(endpoint.username, agent, keys),
    };

    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        client.end();
        // A connect the kernel keeps retrying (a partitioned host) must not linger.
        sock.destroy();
        const err = connectError(endpoint, e, verdict, keyBlob);
        this.noteFailure(err);
        reject(err);
      };
      // Belt and braces: readyTimeout does not cover a TCP connect that the
      // kernel keeps retrying, so the whole attempt has its own deadline.
      const deadline = setTimeout(() => fail(this.timeoutError('connecting')), this.connectTimeoutMs + 1_000);
      client.once('ready', () => {
        clearTimeout(deadline);
        if (settled || this.disposed) {
          client.end();
          return;
        }
        settled = true;
        // Small request/response exchanges (every API call is one) otherwise
        // wait ~40 ms for the peer's delayed ACK under Nagle's algorithm.
        client.setNoDelay(true);
        this.client = client;
        this.failures = 0;
        this.lastError = undefined;
        this.lastConnectMs = Date.now() - started;
        client.on('close', () => this.drop(client, undefined));
        this.emit('up');
        resolve(client);
      });
      client.on('error', (e) => {
        clearTimeout(deadline);
        if (!settled) fail(e);
        else this.drop(client, connectError(endpoint, e, undefined, undefined));
      });
      client.once('close', () => {
        clearTimeout(deadline);
        if (!settled) fail(new Error('connection closed during handshake'));
      });
      client.connect(config);
    });
  }

  private async viaJump(hop: SshEndpoint) {
    this.jumpConnection ??= new SshConnection({ ...this.opts, endpoint: hop, autoReconnect: false });
    const { host, port, label } = this.endpoint;
    try {
      return await this.jumpConnection.openTcp(host, port);
    } catch (e) {
      const err = e instanceof SwarmError ? e : undefined;
      throw new SwarmError(`Could not reach ${label} (${host}:${port}) through the jump host ${hop.label}: ${err?.message ?? String(e)}`, {
        code: err?.code === 'timeout' ? 'timeout' : 'unreachable',
        hint: err?.hint ?? 'Check that the jump host can reach the target and allows TCP forwarding',
        cause: e,
      });
    }
  }

  private drop(client: Client, reason: SwarmError | undefined): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end();
    const err =
      reason ??
      new SwarmError(`Lost the SSH connection to ${this.endpoint.label}`, {
        code: 'unreachable',
        hint: 'It reconnects by itself; check the host and network if it stays down',
      });
    this.noteFailure(err);
    this.emit('down', err);
  }

  private noteFailure(err: SwarmError): void {
    this.failures += 1;
    this.lastError = err;
    this.lastFailureAt = Date.now();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.opts.autoReconnect === false || this.reconnectTimer) return;
    if (this.lastError && !isTransient(this.lastError)) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.disposed || this.client || this.connecting) return;
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
      this.connecting.catch(() => undefined);
    }, this.backoffMs());
    // Background repair must never keep a CLI process alive.
    this.reconnectTimer.unref();
  }

  private timeoutError(what: string): SwarmError {
    const { label, host, port } = this.endpoint;
    return new SwarmError(`Timed out ${what} on ${label} (${host}:${port})`, {
      code: 'timeout',
      hint: 'The host or network is not answering; check that it is up and reachable',
    });
  }
}

function isTransient(e: SwarmError): boolean {
  return e.code === 'unreachable' || e.code === 'timeout';
}
