import type { Duplex } from 'node:stream';
import type { HostLink, LinkState } from './hostLink.js';
import type { ExecOptions, ExecResult, ExecStream } from './execTypes.js';
import type { SshConnection } from './sshConnection.js';

/** A HostLink over the host's one SshConnection. */
export class SshHostLink implements HostLink {
  readonly kind = 'ssh';

  constructor(readonly connection: SshConnection) {}

  get label(): string {
    return this.connection.endpoint.label;
  }

  get connectMs(): number | undefined {
    return this.connection.lastConnectMs;
  }

  openUnixSocket(path: string): Promise<Duplex> {
    return this.connection.openUnixSocket(path);
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return this.connection.openTcp(host, port);
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.connection.exec(argv, options);
  }

  execStream(argv: readonly string[]): Promise<ExecStream> {
    return this.connection.execStream(argv);
  }

  onStateChange(listener: (state: LinkState, reason?: Error) => void): () => void {
    const offUp = this.connection.on('up', () => listener('up'));
    const offDown = this.connection.on('down', (e) => listener('down', e));
    return () => {
      offUp();
      offDown();
    };
  }

  dispose(): void {
    this.connection.dispose();
  }
}
