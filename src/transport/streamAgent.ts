import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';

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

  /**
   * docker-modem formats every request's options, agent included, with
   * util.inspect (showHidden, no depth limit) for a debug line, even when
   * debugging is off. Through the agent that walked the whole SSH connection:
   * ~0.3 ms of CPU per API call, ~3 ms of every 10-host refresh
   * (docs/PERFORMANCE.md). The agent has nothing worth printing.
   */
  [inspect.custom](): string {
    return 'StreamAgent';
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | undefined {
    this.open().then(
      (stream) => callback?.(null, asSocket(stream)),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/**
 * Node's HTTP client calls a few net.Socket methods an SSH channel lacks.
 * setTimeout is real (an idle timer that emits 'timeout', as net.Socket does):
 * docker-modem's request timeout depends on it, and without it a hung engine
 * would hang its caller.
 */
function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  if (typeof s['setTimeout'] === 'function') return stream;
  let idleMs = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = idleMs > 0 ? setTimeout(() => stream.emit('timeout'), idleMs) : undefined;
    timer?.unref();
  };
  // Watching emit() rather than adding a 'data' listener keeps the stream in
  // paused mode until the HTTP parser attaches.
  const emit = stream.emit.bind(stream);
  stream.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'data') arm();
    if (event === 'close' && timer) clearTimeout(timer);
    return emit(event, ...args);
  }) as typeof stream.emit;
  const write = stream.write.bind(stream);
  stream.write = ((...args: Parameters<typeof stream.write>) => {
    arm();
    return write(...args);
  }) as typeof stream.write;
  s['setTimeout'] = (ms: number, cb?: () => void) => {
    idleMs = ms;
    if (cb) stream.once('timeout', cb);
    arm();
    return s;
  };
  return stream;
}
