import { Duplex } from 'node:stream';
import { SwarmError } from '../../../../src/shared/errors.js';
import type { HostLink, LinkState } from '../../../../src/transport/hostLink.js';
import type { ExecResult } from '../../../../src/transport/execTypes.js';

/** What answers on a loopback port of the fake host. */
export type PortBehaviour = 'healthy' | 'refused' | 'unreachable';

/**
 * A host link with no host behind it: each loopback port answers as the test
 * says (GET /healthz → 200, refused, or no answer from the host at all), and
 * the test raises the link's own state changes. Exec answers like a host
 * without curl, so health rounds probe one channel per port.
 */
export class FakeHostLink implements HostLink {
  readonly ports = new Map<number, PortBehaviour>();
  /** Ports asked for, in order. */
  readonly opened: number[] = [];
  /** The request line of every HTTP request sent to a port, in order. */
  readonly requests: string[] = [];
  /** What /healthz answers on a port (code-server's JSON), instead of an empty body. */
  readonly healthz = new Map<number, { status: string; lastHeartbeat: number }>();
  connectMs: number | undefined = 12.5;
  disposed = false;
  private readonly listeners = new Set<(state: LinkState, reason?: Error) => void>();

  constructor(
    readonly label: string,
    readonly kind: 'ssh' | 'local' = 'ssh',
  ) {}

  async openUnixSocket(path: string): Promise<Duplex> {
    throw new SwarmError(`The fake link has no socket ${path}`, { code: 'internal' });
  }

  async openTcp(_host: string, port: number): Promise<Duplex> {
    this.opened.push(port);
    const behaviour = this.ports.get(port) ?? 'refused';
    if (behaviour === 'unreachable') throw new SwarmError(`${this.label} is not answering`, { code: 'unreachable' });
    // What SshConnection says when the host's sshd cannot connect to the port.
    if (behaviour === 'refused')
      throw new SwarmError(`Could not open 127.0.0.1:${port} on ${this.label}: Connection refused`, { code: 'internal' });
    const body = this.healthz.get(port);
    return answering(200, body === undefined ? '' : JSON.stringify(body), (line) => this.requests.push(line));
  }

  async exec(): Promise<ExecResult> {
    return { code: 127, stdout: '', stderr: 'sh: curl: not found' };
  }

  onStateChange(listener: (state: LinkState, reason?: Error) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The link dropped or came back, as the SSH connection would say. */
  setState(state: LinkState, reason?: Error): void {
    for (const l of [...this.listeners]) l(state, reason);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** A stream that answers the first request with an HTTP status line (and `body`), then ends. */
function answering(status: number, body: string, onRequest: (line: string) => void): Duplex {
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      onRequest(chunk.toString('latin1').split('\r\n')[0] ?? '');
      stream.push(`HTTP/1.0 ${status} OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      stream.push(null);
      callback();
    },
  });
  return stream;
}
