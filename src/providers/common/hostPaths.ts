import { SwarmError } from '../../shared/errors.js';
import type { HostLink } from '../../transport/hostLink.js';

/**
 * Which of these paths do not exist on the host, asked over its own link in
 * one exec (the paths are argv words, quoted by the transport, never parsed
 * by a shell as code). A path the SSH user cannot see counts as missing: the
 * engine would fail on it too, or bind something the user never meant.
 */
export async function missingHostPaths(link: HostLink, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const script = 'for p do [ -e "$p" ] || printf "%s\\n" "$p"; done';
  const r = await link.exec(['sh', '-c', script, 'code-swarm-paths', ...paths], { timeoutMs: 15_000 });
  if (r.code !== 0) {
    throw new SwarmError(`Could not check the mount paths on ${link.label} (exit ${r.code})`, {
      code: 'internal',
      hint: `Check that ${link.label} has a POSIX sh`,
    });
  }
  const missing = new Set(r.stdout.split('\n').filter((l) => l !== ''));
  return paths.filter((p) => missing.has(p));
}
