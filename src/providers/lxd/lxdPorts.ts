import { z } from 'zod';
import { SwarmError } from '../../shared/errors.js';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import { LxdApiError, type LxdClient } from './lxdClient.js';
import { LxdInstanceSchema, type LxdInstance } from './lxdSchemas.js';

/** The proxy device that publishes code-server on the host's loopback. */
export const PROXY_DEVICE = 'code-swarm-http';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/** Host loopback ports proxy devices listen on unless told otherwise. */
export const PORT_RANGE: PortRange = { min: 20_000, max: 39_999 };

/**
 * A random free port, so that hosts shared by several stores rarely race;
 * the start retries with another one when they do.
 */
export function pickPort(used: ReadonlySet<number>, random: () => number = Math.random, range: PortRange = PORT_RANGE): number | undefined {
  const size = range.max - range.min + 1;
  if (size <= 0) return undefined;
  const start = Math.min(size - 1, Math.max(0, Math.floor(random() * size)));
  for (let i = 0; i < size; i++) {
    const port = range.min + ((start + i) % size);
    if (!used.has(port)) return port;
  }
  return undefined;
}

/** `tcp:127.0.0.1:PORT` → PORT; anything else (unix sockets, other addresses, ranges) → undefined. */
export function listenPort(listen: string | undefined): number | undefined {
  const m = /^tcp:(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):(\d{1,5})$/.exec(listen ?? '');
  const port = m ? Number(m[1]) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** The host port our proxy device listens on, if the instance has it. */
export function proxyPort(inst: LxdInstance): number | undefined {
  const d = inst.devices?.[PROXY_DEVICE] ?? inst.expanded_devices?.[PROXY_DEVICE];
  return d?.['type'] === 'proxy' ? listenPort(d['listen']) : undefined;
}

export function proxyDevice(port: number): Record<string, string> {
  // Loopback of the host only: the SSH connection is the one way in.
  return { type: 'proxy', listen: `tcp:127.0.0.1:${port}`, connect: `tcp:127.0.0.1:${CODE_SERVER_PORT}`, bind: 'host' };
}

/**
 * The proxy device could not listen on its port. LXD says so in one of two
 * ways, depending on when forkproxy's listener dies on the taken port: the
 * bind error itself, or "Failed to receive fd from listener process" (seen
 * in CI on the lab's LXD 5.0). Another cause of the second is retried too,
 * at most a few times, then reported as it came.
 */
export function isAddressInUse(e: unknown): boolean {
  return e instanceof LxdApiError && /address already in use|failed to receive fd from listener process/i.test(e.message);
}

/**
 * Hands out host ports for proxy devices. Two creates at once list the host
 * before either has its device, so the listing alone cannot keep them apart:
 * ports handed out stay reserved here.
 */
export class PortAllocator {
  private readonly reserved = new Set<number>();

  constructor(
    private readonly host: string,
    private readonly range: PortRange = PORT_RANGE,
    private readonly random: () => number = Math.random,
  ) {}

  /** A port no proxy device on the host uses, nor any handed out before; `also` are avoided too. */
  async take(api: LxdClient, also: Iterable<number> = []): Promise<number> {
    const used = await usedPorts(api);
    for (const p of also) used.add(p);
    for (const p of this.reserved) used.add(p);
    const port = pickPort(used, this.random, this.range);
    if (port === undefined) {
      throw new SwarmError(`No free port left in ${this.range.min}-${this.range.max} on ${this.host}`, {
        code: 'conflict',
        hint: 'Delete instances you no longer need',
      });
    }
    this.reserved.add(port);
    return port;
  }

  /** A port that no device was made with goes back. */
  release(port: number): void {
    this.reserved.delete(port);
  }
}

/** Ports of every TCP proxy device on the host, ours or not. */
async function usedPorts(api: LxdClient): Promise<Set<number>> {
  const rows = await api.get('/1.0/instances?recursion=1', z.array(LxdInstanceSchema));
  const used = new Set<number>();
  for (const r of rows) {
    for (const d of Object.values({ ...(r.expanded_devices ?? {}), ...(r.devices ?? {}) })) {
      const port = d['type'] === 'proxy' ? listenPort(d['listen']) : undefined;
      if (port !== undefined) used.add(port);
    }
  }
  return used;
}
