import type { Duplex } from 'node:stream';
import type { HostLink, LinkState } from '../../src/transport/hostLink.js';
import type { ExecOptions, ExecResult, ExecStream } from '../../src/transport/execTypes.js';
import type { SshHostLink } from '../../src/transport/sshHostLink.js';

/** A real link that counts what is asked of it: unix sockets, TCP channels and execs. */
export class CountingLink implements HostLink {
  sockets = 0;
  channels = 0;
  execs = 0;
  constructor(private readonly inner: SshHostLink) {}
  get label(): string {
    return this.inner.label;
  }
  get kind(): 'ssh' | 'local' {
    return this.inner.kind;
  }
  get connectMs(): number | undefined {
    return this.inner.connectMs;
  }
  openUnixSocket(path: string): Promise<Duplex> {
    this.sockets++;
    return this.inner.openUnixSocket(path);
  }
  openTcp(host: string, port: number): Promise<Duplex> {
    this.channels++;
    return this.inner.openTcp(host, port);
  }
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.execs++;
    return this.inner.exec(argv, options);
  }
  execStream(argv: readonly string[]): Promise<ExecStream> {
    this.execs++;
    return this.inner.execStream(argv);
  }
  onStateChange(listener: (state: LinkState, reason?: Error) => void): () => void {
    return this.inner.onStateChange(listener);
  }
  dispose(): void {
    this.inner.dispose();
  }
}
