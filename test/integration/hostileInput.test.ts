import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import fc from 'fast-check';
import { SwarmError } from '../../src/shared/errors.js';
import { DNS_LABEL, INSTANCE_NAME_MAX, StoreFileSchema, type StoreFile } from '../../src/shared/model.js';
import type { CreateInput, Swarm } from '../../src/core/swarm.js';
import { parseCpus, parseDisk, parseMemory, validateImageRef, validateInstanceName } from '../../src/core/validate.js';
import { parseEnv, parseGpus, parseMounts, parseTags } from '../../src/core/validateOptions.js';
import { LxdProvider } from '../../src/providers/lxd/lxdProvider.js';
import { LABEL } from '../../src/providers/common/labels.js';
import type { ExecStream } from '../../src/transport/execTypes.js';
import type { SshConnection } from '../../src/transport/sshConnection.js';
import { SshHostLink } from '../../src/transport/sshHostLink.js';
import { addLabHost, lab, labConnection, labDocker, labSwarm, uniqueName } from '../lab/lab.js';
import { suiteDir } from '../support/suiteArtifacts.js';

const CLI = resolve(__dirname, '../../../dist/cli.js');

/**
 * The lab's hosts are network namespaces of this machine with its file
 * system, so a file a remote command creates shows up here: that is what
 * makes the canary observable. `before` proves it with a positive control.
 */
const CANARY = `/tmp/csw-canary-${process.pid}`;
const CONTROL = `/tmp/csw-canary-control-${process.pid}`;

/** Ways to smuggle a command into a shell word; each one would create the canary if run. */
const SMUGGLED = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `; touch ${CANARY}`,
  `| touch ${CANARY}`,
  `&& touch ${CANARY}`,
  `& touch ${CANARY}`,
  `\ntouch ${CANARY}`,
  `\rtouch ${CANARY}`,
  `'; touch ${CANARY}; '`,
  `"; touch ${CANARY}; "`,
  `\\'; touch ${CANARY}; #`,
  `$(touch\${IFS}${CANARY})`,
  `\${x:-$(touch ${CANARY})}`,
  `<(touch ${CANARY})`,
  `>(touch ${CANARY})`,
  `-c touch ${CANARY}`,
  `=touch ${CANARY}`,
];

/** What a hostile user types into a name, image, size, CPU or host field. */
const HOSTILE = [
  'a;rm -rf /',
  '$(id)',
  '`id`',
  "a'b",
  'a"b',
  "'",
  'a\nb',
  'a\r\nb',
  '\u2028',
  '../..',
  '../../etc/passwd',
  '/etc/passwd',
  'x'.repeat(5_000),
  `${'a'.repeat(2_000)}$(id)`,
  '',
  ' ',
  '\t',
  '-rf',
  '--help',
  'a|b',
  'a&&b',
  '*',
  '?',
  '[a]',
  '~',
  '${IFS}',
  'ü',
  '名前',
  '🦀',
  'a\0b',
  '\x1b[31m',
  ...SMUGGLED,
];

/** What a `KEY=VALUE` item built as `${v}=x` takes as its key. */
const keyOf = (v: string) => (v.includes('=') ? v.slice(0, v.indexOf('=')) : v);

/** Whether a path given as --context, from this process's folder, is a folder that holds the Dockerfile (a valid context). */
function holdsDockerfile(v: string, dockerfile: string): boolean {
  if (v === '' || /[\x00-\x1f\x7f]/.test(v)) return false;
  const dir = resolve(v);
  const rel = relative(dir, dockerfile);
  return existsSync(dir) && statSync(dir).isDirectory() && rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

const SHELL_SPECIALS = [
  "'",
  '"',
  '\\',
  '$',
  '(',
  ')',
  '`',
  ';',
  '|',
  '&',
  '<',
  '>',
  '\n',
  '\r',
  '\t',
  ' ',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '#',
  '!',
  '=',
  '%',
  '^',
  '-',
  '--',
  '$(',
  '${',
  '$((',
  '\\\n',
  "'\\''",
  '\u2028',
  '\x7f',
  '\x01',
  '\x1b',
];

// Any code point but NUL (rejected before a channel opens, tested apart) and lone surrogates (not UTF-8).
const codePoint = fc
  .integer({ min: 1, max: 0x10ffff })
  .filter((c) => c < 0xd800 || c > 0xdfff)
  .map((c) => String.fromCodePoint(c));
const hostileUnit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SHELL_SPECIALS) },
  { weight: 2, arbitrary: fc.constantFrom('a', 'Z', '0', '_', '.', '/', 'é', '日本', '🦀', 'x-y') },
  { weight: 2, arbitrary: codePoint },
  { weight: 1, arbitrary: fc.constantFrom(...SMUGGLED) },
);
const hostileString = fc.string({ unit: hostileUnit, maxLength: 16 });

/** The SSH host key blob's SHA-256, computed here rather than by the code under test. */
function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The rejection contract: a SwarmError of this code, one line, with something to do next. */
function assertRejection(e: unknown, codes: readonly SwarmError['code'][], what: string, options: { hint?: boolean } = {}): SwarmError {
  assert.ok(e instanceof SwarmError, `${what}: expected a SwarmError, got ${e instanceof Error ? e.stack : String(e)}`);
  assert.ok(codes.includes(e.code), `${what}: code ${e.code} (${e.oneLine()})`);
  if (options.hint !== false) assert.ok(e.hint, `${what}: "${e.message}" has no hint`);
  assert.doesNotMatch(e.oneLine(), /[\r\n\u2028\u2029]/, `${what}: not one line`);
  return e;
}

async function rejectionOf(p: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: was accepted`);
}

function runCli(
  stateDir: string,
  args: readonly string[],
  knownHosts = lab().knownHosts,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--json', '--state-dir', stateDir, '--known-hosts', knownHosts, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, SSH_AUTH_SOCK: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertCliRejects(r: ReturnType<typeof runCli>, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, stderr ${r.stderr}`);
  assert.equal(r.stdout, '', `${what}: printed a result`);
  assert.match(r.stderr, /^code-swarm: [^\n]+\n$/, `${what}: not one line: ${JSON.stringify(r.stderr)}`);
}

/** What the store holds; a store that was never written holds nothing. */
function storeFile(dir: string): Pick<StoreFile, 'storeId' | 'hosts' | 'instances' | 'knownHosts'> {
  const path = join(dir, 'swarm.json');
  if (!existsSync(path)) return { storeId: '', hosts: [], instances: [], knownHosts: [] };
  return StoreFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

async function collectStream(s: ExecStream): Promise<{ code: number; stdout: string }> {
  const chunks: Buffer[] = [];
  s.stdout.on('data', (c: Buffer) => chunks.push(c));
  // stderr is drained so a chatty command cannot stall on flow control.
  s.stderr.resume();
  const code = await s.exit;
  return { code, stdout: Buffer.concat(chunks).toString('utf8') };
}

describe('hostile input: argv through a real remote shell', function () {
  this.timeout(90_000);
  let conn: SshConnection;

  before(async () => {
    rmSync(CANARY, { force: true });
    rmSync(CONTROL, { force: true });
    conn = labConnection('alpha');
    // Positive control: a file the remote side creates is visible here, so the canary can catch a leak.
    const r = await conn.exec(['touch', CONTROL], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(CONTROL), "alpha shares this machine's /tmp (the canary depends on it)");
    rmSync(CONTROL, { force: true });
  });

  after(() => {
    conn?.dispose();
    rmSync(CANARY, { force: true });
    rmSync(CONTROL, { force: true });
  });

  it('hands every generated argv to the remote command exactly, word for word', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileString, { minLength: 1, maxLength: 6 }), async (argv) => {
        const r = await conn.exec(['printf', '%s\\0', ...argv], { timeoutMs: 10_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
        assert.deepEqual(r.stdout.split('\0').slice(0, -1), argv);
        assert.equal(existsSync(CANARY), false, `the canary exists after ${JSON.stringify(argv)}`);
      }),
      { numRuns: 100, interruptAfterTimeLimit: 60_000 },
    );
    assert.equal(existsSync(CANARY), false);
  });

  it('never runs a command smuggled into an argument (canary), through exec and execStream', async () => {
    const long = `${"'".repeat(2_000)}${SMUGGLED.join('')}${'"$(x)`'.repeat(1_000)}`;
    for (const payload of [...SMUGGLED, long]) {
      for (const argv of [[payload], ['--', payload], [payload, payload]]) {
        const r = await conn.exec(['printf', '%s\\0', ...argv], { timeoutMs: 10_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.split('\0').slice(0, -1), argv);
      }
      // Following logs runs its argv under a fixed sh wrapper: the same guarantee must hold there.
      const streamed = await collectStream(await conn.execStream(['printf', '%s\\0', payload]));
      assert.equal(streamed.code, 0);
      assert.deepEqual(streamed.stdout.split('\0').slice(0, -1), [payload]);
      // A smuggled word as the command itself is looked up as one (absurd) name, never split.
      const asCommand = await conn.exec([payload], { timeoutMs: 10_000 });
      assert.notEqual(asCommand.code, 0);
    }
    assert.equal(existsSync(CANARY), false, 'a smuggled command ran on alpha');
  });

  it('refuses a NUL byte before anything is sent', async () => {
    const e = await rejectionOf(conn.exec(['printf', '%s', `a\0; touch ${CANARY}`]), 'NUL in argv');
    assertRejection(e, ['invalid-input'], 'NUL in argv');
    assert.equal(existsSync(CANARY), false);
  });
});

describe('hostile input: fields through the Swarm and the CLI', function () {
  this.timeout(120_000);
  let swarm: Swarm;
  let dir: string;
  let storeId: string;
  const okName = uniqueName('hostile');
  const okImage = { alpha: lab().dockerImage, gamma: lab().lxdImage } as const;
  type Target = keyof typeof okImage;
  const targets: readonly Target[] = ['alpha', 'gamma'];

  before(async () => {
    const made = await labSwarm();
    ({ dir } = made);
    await Promise.all(targets.map((h) => addLabHost(made.swarm, h)));
    made.swarm.dispose();
    storeId = storeFile(dir).storeId;
    // A fresh Swarm on the same store: its hosts stay "unknown" until one of its links connects,
    // which is how the tests see that a rejection happened before any host was touched.
    ({ swarm } = await labSwarm(dir));
  });

  after(async () => {
    // Only reached if a hostile value was wrongly accepted: do not leave it on the hosts.
    for (const v of await swarm.views()) await swarm.delete(v.name, { purge: true }).catch(() => undefined);
    swarm.dispose();
  });

  type Field = 'name' | 'image' | 'cpus' | 'memory' | 'disk' | 'env' | 'tag' | 'mount' | 'gpus';
  const FIELDS: readonly Field[] = ['name', 'image', 'cpus', 'memory', 'disk', 'env', 'tag', 'mount', 'gpus'];
  /** The instance options take lists: a hostile value is the env name, the tag key, the whole mount. */
  const optionOf = (field: Field, value: string): Partial<CreateInput> => {
    if (field === 'env') return { env: ['OK=1', `${value}=x`] };
    if (field === 'tag') return { tags: [`${value}=v`] };
    if (field === 'mount') return { mounts: [value] };
    return { [field]: value };
  };
  const inputWith = (host: Target, field: Field, value: string): CreateInput => ({
    name: okName,
    host,
    image: okImage[host],
    cpus: '1',
    memory: '1g',
    ...optionOf(field, value),
  });

  async function assertNoHostTouched(): Promise<void> {
    for (const h of await swarm.hosts()) assert.equal(h.reachability, 'unknown', `${h.name} was contacted (${h.error ?? ''})`);
  }

  it('rejects hostile names, images, memory and disk sizes, CPU counts, env, tags, mounts and GPU counts on Docker and LXD hosts with invalid-input', async () => {
    for (const host of targets) {
      for (const field of FIELDS) {
        for (const value of HOSTILE) {
          const what = `${host} ${field}=${JSON.stringify(value.slice(0, 40))}`;
          const e = assertRejection(await rejectionOf(swarm.create(inputWith(host, field, value)), what), ['invalid-input'], what);
          // The value is quoted in the message, cut short: a 5000-character name is not echoed back whole.
          assert.ok(e.oneLine().length < 400, `${what}: ${e.oneLine().length} characters`);
        }
      }
    }
    await assertNoHostTouched();
    assert.deepEqual(storeFile(dir).instances, []);
  });

  it('rejects hostile host names and SSH targets when adding a host, before connecting', async () => {
    const a = lab().hosts.alpha;
    for (const value of HOSTILE) {
      const what = `hosts add name=${JSON.stringify(value.slice(0, 40))}`;
      assertRejection(
        await rejectionOf(swarm.addHost({ name: value, ssh: `${a.user}@${a.address}`, identityFile: lab().clientKey }), what),
        ['invalid-input'],
        what,
      );
    }
    // Values that only look like a host name would be looked up in DNS; the rest must be refused as they are.
    for (const value of HOSTILE.filter((v) => !/^[a-z0-9.-]+$/i.test(v))) {
      const what = `hosts add ssh=${JSON.stringify(value.slice(0, 40))}`;
      assertRejection(await rejectionOf(swarm.addHost({ name: 'hostile-target', ssh: value }), what), ['invalid-input'], what);
      assertRejection(
        await rejectionOf(swarm.addHost({ name: 'hostile-target', ssh: `${a.user}@${value}` }), what),
        ['invalid-input'],
        `${what} (after user@)`,
      );
      assertRejection(
        await rejectionOf(swarm.addHost({ name: 'hostile-target', ssh: `${value}@${a.address}` }), what),
        ['invalid-input'],
        `${what} (as user)`,
      );
    }
    assert.deepEqual(
      storeFile(dir)
        .hosts.map((h) => h.name)
        .sort(),
      ['alpha', 'gamma'],
    );
  });

  it('refuses a create on a hostile host name without touching any host', async () => {
    for (const value of HOSTILE) {
      const what = `create --host ${JSON.stringify(value.slice(0, 40))}`;
      // No such host: "unknown host" is the honest answer (a format check first would say invalid-input).
      assertRejection(await rejectionOf(swarm.create({ name: okName, host: value }), what), ['not-found', 'invalid-input'], what);
    }
    await assertNoHostTouched();
    assert.deepEqual(storeFile(dir).instances, []);
  });

  it('rejects hostile Dockerfile paths, contexts, build arguments and code-server images before any host is touched', async () => {
    const context = suiteDir('csw-hostile-build-');
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
    const dockerfile = join(context, 'Dockerfile');
    // A path to a file that exists is the user's own to build from (their machine, their host): only the others are refused.
    const notAFile = HOSTILE.filter((v) => !existsSync(resolve(v)) || !statSync(resolve(v)).isFile());
    const cases: [string, CreateInput][] = [
      ...notAFile.map((v): [string, CreateInput] => [
        `--dockerfile ${JSON.stringify(v.slice(0, 40))}`,
        { name: okName, host: 'alpha', build: { dockerfile: v } },
      ]),
      // Likewise a folder that holds the Dockerfile ('../..' from a checkout two levels under the temporary folder).
      ...HOSTILE.filter((v) => !holdsDockerfile(v, dockerfile)).map((v): [string, CreateInput] => [
        `--context ${JSON.stringify(v.slice(0, 40))}`,
        { name: okName, host: 'alpha', build: { dockerfile, context: v } },
      ]),
      ...HOSTILE.map((v): [string, CreateInput] => [
        `--build-arg ${JSON.stringify(v.slice(0, 40))}`,
        { name: okName, host: 'alpha', build: { dockerfile, buildArgs: [v] } },
      ]),
      ...HOSTILE.filter((v) => /[\x00-\x08\x0a-\x1f\x7f]/.test(v)).map((v): [string, CreateInput] => [
        `--build-arg K=${JSON.stringify(v.slice(0, 40))}`,
        { name: okName, host: 'alpha', build: { dockerfile, buildArgs: [`K=${v}`] } },
      ]),
      ...HOSTILE.map((v): [string, CreateInput] => [
        `--code-server-image ${JSON.stringify(v.slice(0, 40))}`,
        { name: okName, host: 'alpha', image: okImage.alpha, codeServerImage: v },
      ]),
      ['--image with --dockerfile', { name: okName, host: 'alpha', image: okImage.alpha, build: { dockerfile } }],
      ['--build-arg given twice', { name: okName, host: 'alpha', build: { dockerfile, buildArgs: ['A=1', 'A=2'] } }],
      ['a build on an LXD host', { name: okName, host: 'gamma', build: { dockerfile } }],
    ];
    for (const [what, input] of cases) {
      const e = assertRejection(await rejectionOf(swarm.create(input), what), ['invalid-input'], what);
      assert.ok(e.oneLine().length < 400, `${what}: ${e.oneLine().length} characters`);
    }
    for (const args of [
      ['create', okName, '--host', 'alpha', '--dockerfile', `${dockerfile};touch ${CANARY}`],
      ['create', okName, '--host', 'alpha', '--dockerfile', dockerfile, '--build-arg', `$(touch ${CANARY})`],
      ['create', okName, '--host', 'alpha', '--dockerfile', dockerfile, '--context', `\`touch ${CANARY}\``],
      ['create', okName, '--host', 'alpha', '--image', okImage.alpha, '--code-server-image', `x;touch ${CANARY}`],
      ['create', okName, '--host', 'alpha', '--context', context],
    ]) {
      assertCliRejects(runCli(dir, args), 2, args.join(' ').slice(0, 80));
    }
    await assertNoHostTouched();
    assert.deepEqual(storeFile(dir).instances, []);
    assert.equal(existsSync(CANARY), false);
  });

  it('property: any string in a field is refused before the host is touched, or the validator vouches for it', async () => {
    const field = fc.constantFrom(...FIELDS);
    const anyString = fc.oneof(hostileString, fc.string({ unit: 'binary', maxLength: 60 }), fc.stringMatching(/^[a-z0-9.:/@_-]{1,30}$/));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), field, anyString, async (host, f, value) => {
        const validators = {
          name: validateInstanceName,
          image: validateImageRef,
          cpus: parseCpus,
          memory: parseMemory,
          disk: parseDisk,
          env: (v: string) => parseEnv([`${v}=x`]),
          tag: (v: string) => parseTags([`${v}=v`]),
          mount: (v: string) => parseMounts([v]),
          gpus: parseGpus,
        };
        let accepted = true;
        try {
          validators[f](value);
        } catch (e) {
          assertRejection(e, ['invalid-input'], `${f} validator on ${JSON.stringify(value)}`);
          accepted = false;
        }
        if (accepted) {
          // Valid values are not created (too slow); the validator's promise is checked instead.
          if (f === 'name') assert.ok(DNS_LABEL.test(value) && value.length <= INSTANCE_NAME_MAX, value);
          if (f === 'image')
            assert.doesNotMatch(value.replace(/^\[[0-9a-fA-F:]+\]/, ''), /[\s;|&$`'"\\<>(){}*?!#~^\x00-\x1f\x7f]|^-/, value);
          if (f === 'cpus') assert.ok(parseCpus(value) >= 0.1 && parseCpus(value) <= 256, value);
          if (f === 'memory') assert.ok(parseMemory(value) >= 64 * 1024 ** 2, value);
          if (f === 'disk') assert.ok(parseDisk(value) >= 512 * 1024 ** 2, value);
          // The field is the key: anything after an '=' in it belongs to the value, which may hold one.
          if (f === 'env') assert.match(keyOf(value), /^[A-Za-z_][A-Za-z0-9_]*$/);
          if (f === 'tag') assert.match(keyOf(value), /^[A-Za-z0-9][A-Za-z0-9._-]*$/);
          if (f === 'mount') assert.doesNotMatch(value, /[\x00-\x1f\x7f]|(^|\/)\.\.?(\/|:|$)/, value);
          if (f === 'gpus') assert.ok(value === 'all' || (Number(value) >= 1 && Number(value) <= 64), value);
          return;
        }
        const what = `create ${host} ${f}=${JSON.stringify(value)}`;
        assertRejection(await rejectionOf(swarm.create(inputWith(host, f, value)), what), ['invalid-input'], what);
      }),
      {
        numRuns: 400,
        interruptAfterTimeLimit: 30_000,
        // Found by a run: a key with an '=' in it is a key and a value that starts with '='.
        examples: [
          ['alpha', 'tag', 'a='],
          ['gamma', 'env', 'A=b'],
        ],
      },
    );
    await assertNoHostTouched();
    assert.deepEqual(storeFile(dir).instances, []);
  });

  it('the CLI (dist/cli.js --json) refuses them with exit code 2 and one line on stderr', () => {
    const a = lab().hosts.alpha;
    const cases: ReadonlyArray<readonly string[]> = [
      ['create', 'a;rm -rf /', '--host', 'alpha'],
      ['create', '$(id)', '--host', 'gamma'],
      ['create', 'a\nb', '--host', 'alpha'],
      ['create', '', '--host', 'alpha'],
      ['create', 'x'.repeat(5_000), '--host', 'gamma'],
      ['create', `../..`, '--host', 'alpha'],
      ['create', okName, '--host', 'alpha', '--image', `\`touch ${CANARY}\``],
      ['create', okName, '--host', 'gamma', '--image', "code-swarm-test-code-server'; id; '"],
      ['create', okName, '--host', 'gamma', '--memory', `1g; touch ${CANARY}`],
      ['create', okName, '--host', 'alpha', '--cpus', '$(nproc)'],
      ['create', okName, '--host', 'alpha', '--env', `A$(touch ${CANARY})=1`],
      ['create', okName, '--host', 'alpha', '--env', 'HASHED_PASSWORD=x'],
      ['create', okName, '--host', 'gamma', '--env', 'A=line\nbreak'],
      ['create', okName, '--host', 'alpha', '--tag', 'code-swarm.instance=x'],
      ['create', okName, '--host', 'gamma', '--tag', `t=a\nb${CANARY}`],
      ['create', okName, '--host', 'alpha', '--mount', `/tmp:/home/coder/project`],
      ['create', okName, '--host', 'gamma', '--mount', `/tmp/../etc:/mnt/x`],
      ['create', okName, '--host', 'alpha', '--mount', `$(touch ${CANARY}):/mnt/x`],
      ['create', okName, '--host', 'alpha', '--gpus', 'all;id'],
      ['create', okName, '--host', 'gamma', '--gpus', '0'],
      ['hosts', 'add', "x'y", '--ssh', `${a.user}@${a.address}`, '--identity', lab().clientKey],
      ['hosts', 'add', 'ok', '--ssh', `${a.user}@${a.address};touch ${CANARY}`],
      ['hosts', 'add', 'ok', '--ssh', `-oProxyCommand=touch ${CANARY}`],
    ];
    for (const args of cases) {
      const r = runCli(dir, args);
      assertCliRejects(r, 2, args.map((x) => x.slice(0, 30)).join(' '));
      assert.ok(r.stderr.length < 500, `${args[1]?.slice(0, 30)}: the value is not echoed back whole`);
      assert.match(r.stderr, / — /, `${args.join(' ').slice(0, 60)}: a hint follows the message`);
    }
    // An argument that looks like an option is refused by the parser, not passed on.
    assertCliRejects(runCli(dir, ['create', '-rf', '--host', 'alpha']), 2, 'create -rf');
    assert.deepEqual(storeFile(dir).instances, []);
    assert.equal(existsSync(CANARY), false);
  });

  it('left nothing behind: no record in the store, no container on alpha, no LXD instance on gamma', async () => {
    const file = storeFile(dir);
    assert.deepEqual(file.instances, []);
    assert.deepEqual(file.hosts.map((h) => h.name).sort(), ['alpha', 'gamma']);
    // Everything Code Swarm makes carries its store's id: anything with ours would be a leak.
    const docker = labDocker('alpha');
    const ours = { label: [`${LABEL.store}=${storeId}`] };
    assert.deepEqual(await docker.listContainers({ all: true, filters: ours }), []);
    assert.deepEqual((await docker.listVolumes({ filters: ours })).Volumes ?? [], []);
    const link = new SshHostLink(labConnection('gamma'));
    try {
      const lxd = await new LxdProvider(link, lab().hosts.gamma.remoteSocket).list();
      assert.deepEqual(
        lxd.filter((o) => o.storeId === storeId),
        [],
      );
    } finally {
      link.dispose();
    }
    assert.equal(existsSync(CANARY), false);
  });
});

describe('hostile hosts: a changed host key, the wrong engine', function () {
  this.timeout(60_000);
  let dir: string;
  let scratch: string;
  const swarms: Swarm[] = [];
  const open = async (knownHosts?: string[]): Promise<Swarm> => {
    const { swarm } = await labSwarm(dir, knownHosts);
    swarms.push(swarm);
    return swarm;
  };

  beforeEach(() => {
    dir = suiteDir('csw-hostile-hosts-');
  });
  afterEach(() => {
    for (const s of swarms.splice(0)) s.dispose();
  });
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'csw-hostile-keys-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A known_hosts file that lists beta's key for alpha's address: what a reinstalled or spoofed alpha looks like. */
  function changedKnownHosts(marker = ''): string {
    const file = join(scratch, `known_hosts-${marker || 'changed'}`);
    const { alpha, beta } = lab().hosts;
    const line = marker === '@revoked' ? `@revoked ${alpha.address} ${alpha.hostKeyPub}` : `${alpha.address} ${beta.hostKeyPub}`;
    writeFileSync(file, `${line}\n`);
    return file;
  }

  it('refuses to add a host whose key changed, naming both fingerprints, and stores nothing', async () => {
    const swarm = await open([changedKnownHosts()]);
    const a = lab().hosts.alpha;
    const presented = fingerprint(a.hostKeyPub);
    const known = fingerprint(lab().hosts.beta.hostKeyPub);
    // Accepting unknown keys must not extend to changed ones.
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({ name: 'alpha', ssh: `${a.user}@${a.address}`, identityFile: lab().clientKey }, { onUnknownHostKey: () => true }),
        'changed key',
      ),
      ['host-key-changed'],
      'changed key',
    );
    assert.ok(e.oneLine().includes(presented), `presented ${presented}: ${e.oneLine()}`);
    assert.ok(e.oneLine().includes(known), `known ${known}: ${e.oneLine()}`);
    assert.deepEqual(storeFile(dir).hosts, []);
    assert.deepEqual(storeFile(dir).knownHosts, [], 'the presented key was not trusted');

    const r = runCli(
      dir,
      ['--accept-new-host-key', 'hosts', 'add', 'alpha', '--ssh', `${a.user}@${a.address}`, '--identity', lab().clientKey],
      changedKnownHosts(),
    );
    assertCliRejects(r, 1, 'CLI hosts add with a changed key');
    assert.match(r.stderr, /CHANGED/);
    assert.ok(r.stderr.includes(presented) && r.stderr.includes(known), r.stderr);
    assert.deepEqual(storeFile(dir).hosts, []);
  });

  it('refuses a revoked key', async () => {
    const swarm = await open([changedKnownHosts('@revoked')]);
    const a = lab().hosts.alpha;
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({ name: 'alpha', ssh: `${a.user}@${a.address}`, identityFile: lab().clientKey }, { onUnknownHostKey: () => true }),
        'revoked',
      ),
      ['host-key-changed'],
      'revoked key',
    );
    assert.match(e.oneLine(), /revoked/);
    assert.ok(e.oneLine().includes(fingerprint(a.hostKeyPub)));
    assert.deepEqual(storeFile(dir).hosts, []);
  });

  it('stops using a known host whose key changed later: test fails, create fails and leaves no record', async () => {
    await addLabHost(await open(), 'alpha');
    const swarm = await open([changedKnownHosts()]);
    const t = await swarm.testHost('alpha');
    assert.equal(t.ok, false);
    assert.match(t.error ?? '', /CHANGED/);
    const e = assertRejection(
      await rejectionOf(swarm.create({ name: uniqueName('keychg'), host: 'alpha' }), 'create'),
      ['host-key-changed'],
      'create on a changed key',
    );
    assert.ok(e.oneLine().includes(fingerprint(lab().hosts.alpha.hostKeyPub)));
    assert.deepEqual(storeFile(dir).instances, [], 'the create record was taken back');
    const views = await swarm.refresh();
    assert.deepEqual(views, []);
    assert.equal((await swarm.hosts()).find((h) => h.name === 'alpha')?.reachability, 'down');
  });

  it('an LXD host added as Docker says Docker is missing (engine-missing)', async () => {
    const swarm = await open();
    const g = lab().hosts.gamma;
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({ name: 'gamma', ssh: `${g.user}@${g.address}`, identityFile: lab().clientKey, provider: 'docker' }),
        'gamma as docker',
      ),
      ['engine-missing'],
      'gamma as docker',
    );
    assert.match(e.oneLine(), /Docker is not installed or not running on gamma/);
    assert.deepEqual(storeFile(dir).hosts, []);
  });

  it('an LXD socket given as the Docker socket is refused as not a Docker engine, not a crash', async () => {
    const swarm = await open();
    const g = lab().hosts.gamma;
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({
          name: 'gamma',
          ssh: `${g.user}@${g.address}`,
          identityFile: lab().clientKey,
          provider: 'docker',
          dockerSocket: g.remoteSocket,
        }),
        'gamma docker on the LXD socket',
      ),
      ['engine-missing', 'internal'],
      'gamma docker on the LXD socket',
      // Today this reads "Docker on gamma could not reach the Docker engine: (HTTP code 404) …", code
      // internal, no hint (reported); the floor held here is a one-line SwarmError that names Docker.
      { hint: false },
    );
    assert.match(e.oneLine(), /Docker.*gamma|gamma.*Docker/);
    assert.deepEqual(storeFile(dir).hosts, []);
  });

  it('a Docker host added as LXD gets an LXD error that says what to do, not a crash', async () => {
    const swarm = await open();
    const a = lab().hosts.alpha;
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({ name: 'alpha', ssh: `${a.user}@${a.address}`, identityFile: lab().clientKey, provider: 'lxd' }),
        'alpha as lxd',
      ),
      ['engine-missing', 'permission-denied'],
      'alpha as lxd',
    );
    // The lab's hosts share one file system, so alpha sees gamma's LXD socket but may not use it;
    // a host without the socket at all gets engine-missing ("LXD is not installed or not running").
    assert.match(e.oneLine(), /LXD is not installed or not running on alpha|Permission denied on the LXD socket \S+ of alpha .*lxd group/);
    assert.deepEqual(storeFile(dir).hosts, []);
  });

  it('a Docker socket given as the LXD socket is refused with an LXD error, not a crash', async () => {
    const swarm = await open();
    const a = lab().hosts.alpha;
    const e = assertRejection(
      await rejectionOf(
        swarm.addHost({
          name: 'alpha',
          ssh: `${a.user}@${a.address}`,
          identityFile: lab().clientKey,
          provider: 'lxd',
          lxdSocket: a.remoteSocket,
        }),
        'alpha lxd on the Docker socket',
      ),
      ['engine-missing', 'internal'],
      'alpha lxd on the Docker socket',
      // Today: "LXD on alpha could not reach the daemon: LXD answered GET /1.0 in an unknown format",
      // code internal, no hint (reported); held here: a one-line SwarmError naming LXD and the host.
      { hint: false },
    );
    assert.match(e.oneLine(), /LXD.*alpha/);
    assert.deepEqual(storeFile(dir).hosts, []);
  });
});
