import { SwarmError } from '../shared/errors.js';

export const PORT_MIN = 1;
export const PORT_MAX = 65535;

/**
 * code-server's two proxies: `/proxy/N/` strips its prefix, so the app sees
 * `/` (right for an app that links relatively, e.g. `python3 -m http.server`);
 * `/absproxy/N/` passes the whole path on, for an app that is told its base
 * path (e.g. a dev server with `--base /absproxy/N/`).
 */
export type PortProxy = 'proxy' | 'absproxy';

/** A port as typed (the Open Port box, the CLI): a whole number from 1 to 65535, nothing else. */
export function parsePort(text: string): number {
  const t = text.trim();
  const hint = `Give a port number from ${PORT_MIN} to ${PORT_MAX}, e.g. 8080`;
  if (!/^[0-9]{1,5}$/.test(t)) throw new SwarmError(`Port ${show(text)} is not a number`, { code: 'invalid-input', hint });
  const port = Number(t);
  if (port < PORT_MIN || port > PORT_MAX) throw new SwarmError(`Port ${t} is out of range`, { code: 'invalid-input', hint });
  return port;
}

/** For as-you-type validation: the message to show, or undefined when fine. */
export function portProblem(text: string): string | undefined {
  try {
    parsePort(text);
    return undefined;
  } catch (e) {
    return (e as SwarmError).oneLine();
  }
}

/**
 * The URL that opens `port` inside the instance through code-server's own
 * port proxy, on the tunnel that `tunnelUrl` (a URL the tunnel issued) leads
 * to. Only the path changes: the one-time token stays in the query, so the
 * tunnel trades it for its cookie and redirects to the same path without it,
 * and code-server lets the request through because the tunnel presents its
 * session cookie, exactly as for Open.
 */
export function portUrl(tunnelUrl: string, port: number, proxy: PortProxy = 'proxy'): string {
  if (!Number.isInteger(port) || port < PORT_MIN || port > PORT_MAX) parsePort(String(port));
  const url = new URL(tunnelUrl);
  url.pathname = `/${proxy}/${port}/`;
  return url.toString();
}

function show(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
