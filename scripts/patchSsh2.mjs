// Run by `npm install` / `npm ci` (postinstall), before anything is built or
// tested, so the bundles (esbuild reads node_modules), the tests and the bench
// all run the same ssh2.
//
// Why: ssh2 advertises a 32 KB maximum packet and a 2 MB window for every
// channel it opens, as constants (lib/Channel.js) that client.js captures at
// load time: there is no option or object to configure them at run time. With
// a 2 MB window the kernel's socket buffers absorb everything sshd may send,
// so sshd never backs up and sends a forwarded port's data in the 32 KB it
// reads at a time; ssh2 then pays its per-packet costs (a new Hmac, a
// decipher call, a parse, a push) every 32 KB. With a 16 MB window sshd backs
// up while Node is busy and sends what it holds in packets up to the maximum
// we advertise: the tunnel bench went from ~55 % to ~85 % of `ssh -L`
// (docs/PERFORMANCE.md, tunnel throughput). 256 KB is OpenSSH's own limit for
// a whole packet; ssh2's inbound sanity check (35000 bytes) is raised to match.
//
// Only the exact lines of the ssh2 version named below are changed, all or
// none (each is checked before any file is written): any other version or shape is left as it is (stock 32 KB / 2 MB),
// and this says so. Running it again changes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const SSH2_VERSION = '1.17.0';
const MARK = '// raised by Code Swarm, scripts/patchSsh2.mjs';

// In the order they are written: the inbound limit first, so that an
// interrupted run never advertises packets ssh2 would refuse.
export const EDITS = [
  { file: 'lib/protocol/crypto.js', from: 'const MAX_PACKET_SIZE = 35000;', to: `const MAX_PACKET_SIZE = 256 * 1024 + 1024; ${MARK}` },
  { file: 'lib/Channel.js', from: 'const PACKET_SIZE = 32 * 1024;', to: `const PACKET_SIZE = 256 * 1024; ${MARK}` },
  { file: 'lib/Channel.js', from: 'const MAX_WINDOW = 2 * 1024 * 1024;', to: `const MAX_WINDOW = 16 * 1024 * 1024; ${MARK}` },
];

/**
 * Decides what to write, without touching the disk.
 * @param {string} version ssh2's package.json version
 * @param {(file: string) => string} read a file's text, by its path inside the package
 * @returns {{ state: 'patch' | 'done' | 'skip', reason: string, files: Map<string, string> }}
 */
export function planSsh2Patch(version, read) {
  const none = new Map();
  if (version !== SSH2_VERSION) return { state: 'skip', reason: `ssh2 ${version} is not ${SSH2_VERSION}, the version this patch was written for`, files: none };
  const files = new Map();
  let changed = 0;
  for (const { file, from, to } of EDITS) {
    const text = files.get(file) ?? read(file);
    const lines = text.split('\n');
    if (lines.includes(to)) {
      files.set(file, text);
      continue;
    }
    const at = lines.flatMap((line, i) => (line === from ? [i] : []));
    if (at.length !== 1) return { state: 'skip', reason: `${file}: expected the line "${from}" once, found it ${at.length} times`, files: none };
    lines[at[0]] = to;
    files.set(file, lines.join('\n'));
    changed += 1;
  }
  // Some lines already done (an interrupted run): finishing them is what this run is for.
  if (changed === 0) return { state: 'done', reason: 'nothing to change', files: none };
  return { state: 'patch', reason: '256 KB channel packets, 16 MB windows', files };
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'ssh2');
  let version;
  try {
    version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  } catch {
    console.log('patchSsh2: ssh2 is not installed; nothing to do');
    return;
  }
  const plan = planSsh2Patch(version, (file) => readFileSync(join(root, file), 'utf8'));
  if (plan.state === 'patch') for (const [file, text] of plan.files) writeFileSync(join(root, file), text);
  const verdict = { patch: 'patched', done: 'already patched', skip: 'NOT patched, stock 32 KB packets and 2 MB windows' }[plan.state];
  console.log(`patchSsh2: ssh2 ${version} ${verdict} (${plan.reason})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
