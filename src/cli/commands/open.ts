import { parsePort, portUrl } from '../../core/portUrl.js';
import { defineCommand, invalidInput } from '../command.js';
import { untilInterrupted } from '../untilInterrupted.js';

function portOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/**
 * Prints the tunnel's URL first (`{ name, url }` with --json), then holds the
 * tunnel until Ctrl-C. With --proxy-port the URL opens that port inside the
 * instance through code-server's port proxy (core/portUrl.ts), logged in the same way.
 */
export const open = defineCommand({
  name: 'open',
  usage: 'open NAME [--port N] [--proxy-port P]',
  args: 1,
  options: { port: { type: 'string' }, 'proxy-port': { type: 'string' } },
  check(v) {
    const port = portOf(v.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536))
      throw invalidInput(`--port must be 1-65535, not "${v.port}"`);
    if (v['proxy-port'] !== undefined) parsePort(v['proxy-port']);
  },
  async run({ swarm, out, args: [name], values }) {
    const port = portOf(values.port);
    const proxyPort = values['proxy-port'] === undefined ? undefined : parsePort(values['proxy-port']);
    const tunnel = await swarm.openTunnel(name, port === undefined ? {} : { port });
    const url = proxyPort === undefined ? tunnel.url : portUrl(tunnel.url, proxyPort);
    // Listening before the URL is out: a Ctrl-C the moment it is read must close the tunnel, not kill the process.
    const interrupted = untilInterrupted();
    out.data({ name, url }, () => `${name}: ${url}\n(the tunnel stays open until you press Ctrl-C)`);
    await interrupted;
    await tunnel.close();
  },
});
