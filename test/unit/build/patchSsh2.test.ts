import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Edit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}
interface Plan {
  readonly state: 'patch' | 'done' | 'skip';
  readonly reason: string;
  readonly files: Map<string, string>;
}
interface PatchModule {
  readonly SSH2_VERSION: string;
  readonly EDITS: readonly Edit[];
  planSsh2Patch(version: string, read: (file: string) => string): Plan;
}

/** The repository root, from out*\/test/unit/build/. */
const ROOT = resolve(__dirname, '../../../..');
const load = async (): Promise<PatchModule> => (await import(pathToFileURL(join(ROOT, 'scripts/patchSsh2.mjs')).href)) as PatchModule;

/** ssh2's two files as shipped, reduced to the lines around the constants. */
function stock(): Record<string, string> {
  return {
    'lib/Channel.js':
      "'use strict';\nconst PACKET_SIZE = 32 * 1024;\nconst MAX_WINDOW = 2 * 1024 * 1024;\nconst WINDOW_THRESHOLD = MAX_WINDOW / 2;\n",
    'lib/protocol/crypto.js': 'const DISCARD_CACHE = new Map();\nconst MAX_PACKET_SIZE = 35000;\n\nlet binding;\n',
  };
}
const reader = (files: Record<string, string>) => (file: string) => {
  const text = files[file];
  if (text === undefined) throw new Error(`no ${file}`);
  return text;
};

describe('scripts/patchSsh2.mjs', () => {
  it('raises the packet size, the window and the inbound limit, and touches nothing else', async () => {
    const { planSsh2Patch, SSH2_VERSION } = await load();
    const plan = planSsh2Patch(SSH2_VERSION, reader(stock()));
    assert.equal(plan.state, 'patch');
    const channel = plan.files.get('lib/Channel.js') ?? '';
    const crypto = plan.files.get('lib/protocol/crypto.js') ?? '';
    assert.match(channel, /^const PACKET_SIZE = 256 \* 1024; \/\/ raised by Code Swarm/m);
    assert.match(channel, /^const MAX_WINDOW = 16 \* 1024 \* 1024; \/\/ raised by Code Swarm/m);
    assert.match(crypto, /^const MAX_PACKET_SIZE = 256 \* 1024 \+ 1024; \/\/ raised by Code Swarm/m);
    assert.ok(channel.includes('const WINDOW_THRESHOLD = MAX_WINDOW / 2;\n'));
    assert.equal(channel.split('\n').length, stock()['lib/Channel.js']?.split('\n').length);
    // The inbound limit is written first: an interrupted run never advertises packets ssh2 would refuse.
    assert.deepEqual([...plan.files.keys()], ['lib/protocol/crypto.js', 'lib/Channel.js']);
  });

  it('accepts the largest packet it advertises', async () => {
    const { planSsh2Patch, SSH2_VERSION } = await load();
    const plan = planSsh2Patch(SSH2_VERSION, reader(stock()));
    const value = (text: string, name: string) => {
      const m = new RegExp(`^const ${name} = ([^;]+);`, 'm').exec(text);
      return Function(`return (${m?.[1] ?? 'NaN'})`)() as number;
    };
    const packet = value(plan.files.get('lib/Channel.js') ?? '', 'PACKET_SIZE');
    const limit = value(plan.files.get('lib/protocol/crypto.js') ?? '', 'MAX_PACKET_SIZE');
    // packet_length = padding length byte + CHANNEL_DATA (type, recipient, length, data) + up to 255 bytes of padding,
    // and the AES-GCM path checks packet_length + 20.
    assert.ok(limit >= 1 + (1 + 4 + 4 + packet) + 255 + 20, `${limit} < a ${packet}-byte data packet`);
  });

  it('is idempotent, and finishes a run that was cut short', async () => {
    const { planSsh2Patch, SSH2_VERSION } = await load();
    const once = planSsh2Patch(SSH2_VERSION, reader(stock()));
    const patched = Object.fromEntries(once.files);
    assert.equal(planSsh2Patch(SSH2_VERSION, reader(patched)).state, 'done');
    const half = { ...stock(), 'lib/protocol/crypto.js': patched['lib/protocol/crypto.js'] ?? '' };
    const rest = planSsh2Patch(SSH2_VERSION, reader(half));
    assert.equal(rest.state, 'patch');
    assert.deepEqual(Object.fromEntries(rest.files), patched);
  });

  it('leaves any other version or shape alone, and says why', async () => {
    const { planSsh2Patch, SSH2_VERSION } = await load();
    const other = planSsh2Patch('1.18.0', reader(stock()));
    assert.equal(other.state, 'skip');
    assert.match(other.reason, /1\.18\.0/);
    assert.equal(other.files.size, 0);
    const moved = { ...stock(), 'lib/protocol/crypto.js': 'const MAX_PACKET_SIZE = 64000;\n' };
    const shape = planSsh2Patch(SSH2_VERSION, reader(moved));
    assert.equal(shape.state, 'skip');
    assert.match(shape.reason, /MAX_PACKET_SIZE = 35000/);
    assert.equal(shape.files.size, 0, 'nothing written, not even the files that did match');
  });

  it('matches the ssh2 installed here (patched by npm install, or stock)', async () => {
    const { planSsh2Patch } = await load();
    const root = join(ROOT, 'node_modules', 'ssh2');
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const plan = planSsh2Patch(version, (file) => readFileSync(join(root, file), 'utf8'));
    assert.notEqual(plan.state, 'skip', `${plan.reason}: update scripts/patchSsh2.mjs for this ssh2, or drop it`);
  });
});
