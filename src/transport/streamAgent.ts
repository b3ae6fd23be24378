import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An http.Agent whose "sockets" are streams we open ourselves: SSH channels to
 * a remote unix socket, or a local unix socket. Each request gets a fresh
 * channel on the host's one SSH connection, which costs one round trip and no
 * new connection; keep-alive pooling is off because a channel is not a socket.
 */
export class StreamAgent extends Agent {
  constructor(private readonly open: () => Promise<Duplex>) {
    super({ keepAlive: false });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    this.open().then(
      (stream) => callback?.(null, asSocket(stream)),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** Node's HTTP client calls a few net.Socket methods an SSH channel lacks. */
function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const name of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  return stream;
}
