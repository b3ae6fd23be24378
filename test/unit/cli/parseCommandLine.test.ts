import assert from 'node:assert/strict';
import { GLOBAL_OPTIONS, type OptionTable } from '../../../src/cli/command.js';
import { COMMANDS } from '../../../src/cli/commandTable.js';
import { parseCommandLine, type CommandLine } from '../../../src/cli/parseCommandLine.js';
import { USAGE } from '../../../src/cli/usage.js';
import { SwarmError } from '../../../src/shared/errors.js';

/** A command line each command accepts, with every option it takes. */
const VALID: Record<string, readonly string[]> = {
  'hosts add': ['hosts', 'add', 'h', '--ssh', 'u@x', '--identity', 'k', '--provider', 'lxd', '--jump', 'j@y'],
  'hosts list': ['hosts', 'list'],
  'hosts test': ['hosts', 'test', 'h'],
  'hosts remove': ['hosts', 'remove', 'h', '--force'],
  'hosts doctor': [
    'hosts',
    'doctor',
    'h',
    '--fix',
    '--dry-run',
    '--image',
    'i',
    '--ssh',
    'u@x',
    '--identity',
    'k',
    '--provider',
    'lxd',
    '--jump',
    'j@y',
  ],
  create: [
    'create',
    'web',
    '--host',
    'h',
    '--image',
    'i',
    '--cpus',
    '1',
    '--memory',
    '1g',
    '--env',
    'A=1',
    '--env',
    'B=2',
    '--tag',
    'team=web',
    '--mount',
    'v:/mnt/v:ro',
    '--gpus',
    'all',
    '--idle-timeout',
    '30m',
    '--no-wait',
  ],

  list: ['list', '--host', 'h'],
  watch: ['watch', '--host', 'h'],
  start: ['start', 'web', '--no-wait'],
  stop: ['stop', 'web'],
  idle: ['idle', 'web', '30m'],
  restart: ['restart', 'web', '--no-wait'],
  rebuild: ['rebuild', 'web', '--no-wait'],
  delete: ['delete', 'web', '--purge'],
  rename: ['rename', 'web', 'site'],
  health: ['health', 'web'],
  logs: ['logs', 'web', '--tail', '20', '--follow'],
  open: ['open', 'web', '--port', '8080'],
  password: ['password', 'web'],
  snapshot: ['snapshot', 'web', '--label', 'before'],
  snapshots: ['snapshots', 'web'],
  restore: ['restore', 'web', 's1'],
  'snapshot-delete': ['snapshot-delete', 'web', 's1'],
  stats: ['stats', 'web', '--host', 'h'],
};

const GLOBALS = [
  '--json',
  '--state-dir',
  '/tmp/s',
  '--accept-new-host-key',
  '--known-hosts',
  '/k1',
  '--known-hosts',
  '/k2',
  '--ssh-config',
  '/c',
];

function allOptions(): OptionTable {
  return Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)) as OptionTable;
}

function refusal(argv: readonly string[]): SwarmError {
  try {
    parseCommandLine(argv);
  } catch (e) {
    assert.ok(e instanceof SwarmError, String(e));
    assert.equal(e.code, 'invalid-input', e.message);
    assert.doesNotMatch(e.oneLine(), /\n/);
    return e;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

function invocation(argv: readonly string[]): Extract<CommandLine, { help: false }> {
  const line = parseCommandLine(argv);
  assert.equal(line.help, false, argv.join(' '));
  return line as Extract<CommandLine, { help: false }>;
}

describe('cli command line', () => {
  it('has a valid command line here for every command of the table', () => {
    assert.deepEqual(Object.keys(VALID).sort(), COMMANDS.map((c) => c.name).sort());
  });

  for (const command of COMMANDS) {
    describe(command.name, () => {
      const valid = VALID[command.name] ?? [];

      it('takes its own options and the global ones, before or after the command', () => {
        assert.equal(invocation(valid).command, command.name);
        const after = invocation([...valid, ...GLOBALS]);
        const before = invocation([...GLOBALS, ...valid]);
        for (const line of [after, before]) {
          assert.equal(line.command, command.name);
          assert.equal(line.globals.json, true);
          assert.equal(line.globals['state-dir'], '/tmp/s');
          assert.equal(line.globals['accept-new-host-key'], true);
          assert.deepEqual(line.globals['known-hosts'], ['/k1', '/k2']);
          assert.equal(line.globals['ssh-config'], '/c');
        }
      });

      it('refuses every option of another command, naming it and its own usage', () => {
        const foreign = Object.entries(allOptions()).filter(([name]) => !(name in GLOBAL_OPTIONS) && !(name in command.options));
        assert.ok(foreign.length > 0);
        for (const [name, o] of foreign) {
          const e = refusal([...valid, `--${name}`, ...(o.type === 'string' ? ['x'] : [])]);
          assert.equal(e.message, `${command.name} does not take --${name}`);
          assert.ok(e.oneLine().includes(`usage: code-swarm ${command.usage}`), e.oneLine());
          assert.match(e.oneLine(), /--json, --state-dir, --accept-new-host-key/);
        }
      });

      it('refuses an option no command takes', () => {
        assert.match(refusal([...valid, '--bogus']).oneLine(), new RegExp(`^${command.name} does not take --bogus — usage: `));
      });

      it('refuses a missing or an extra argument with its usage', () => {
        const words = command.name.split(' ').length;
        const positionals = valid.slice(words).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
        const extra = refusal([...valid, 'extra']);
        assert.equal(extra.message, `Expected ${command.usage}`);
        // A positional in brackets (`stats [NAME]`) may be left out.
        if (positionals.length > 0 && !/ \[[A-Z]+\]/.test(command.usage))
          assert.equal(refusal(valid.filter((a) => a !== positionals[0])).message, `Expected ${command.usage}`);
      });

      it('shows the usage for --help or -h instead of checking arguments', () => {
        assert.equal(parseCommandLine([...command.name.split(' '), '--help']).help, true);
        assert.equal(parseCommandLine([...command.name.split(' '), '-h']).help, true);
      });
    });
  }

  it('shows the usage without a command, and refuses an unknown global option', () => {
    assert.equal(parseCommandLine([]).help, true);
    assert.equal(parseCommandLine(['--json']).help, true);
    assert.match(refusal(['--bogus']).oneLine(), /--bogus/);
  });

  it('refuses an unknown command, and "hosts" without a known second word', () => {
    assert.equal(refusal(['frobnicate']).oneLine(), 'unknown command "frobnicate" — run "code-swarm --help" for the list');
    assert.match(refusal(['hosts', 'frob', 'x']).message, /unknown command "hosts frob x"/);
  });

  it('reads the value of an option as a value, not as the command', () => {
    assert.equal(invocation(['--state-dir', 'list', 'hosts', 'list']).command, 'hosts list');
    assert.equal(invocation(['--state-dir', 'list', 'hosts', 'list']).globals['state-dir'], 'list');
  });

  it('refuses a value for a flag and a flag without its value', () => {
    assert.match(refusal(['list', '--json=1']).oneLine(), /'--json' does not take an argument — run "code-swarm --help"/);
    assert.match(refusal(['list', '--host']).oneLine(), /'--host <value>' argument missing/);
  });

  it('refuses what looks like an option where a name goes (create -rf)', () => {
    assert.match(refusal(['create', '-rf', '--host', 'alpha']).message, /^create does not take -r$/);
  });

  it('checks option values before any host is touched', () => {
    assert.match(refusal(['create', 'web']).oneLine(), /create needs --host HOST — List hosts with/);
    assert.match(refusal(['hosts', 'add', 'h']).message, /exactly one of --ssh .* or --local/);
    assert.match(refusal(['hosts', 'add', 'h', '--local', '--ssh', 'u@x']).message, /exactly one of/);
    assert.match(
      refusal(['hosts', 'add', 'h', '--ssh', 'u@x', '--provider', 'k8s']).oneLine(),
      /Unknown provider "k8s" — Use --provider docker/,
    );
    assert.equal(invocation(['hosts', 'add', 'h', '--local']).command, 'hosts add');
    assert.equal(invocation(['hosts', 'add', 'h', '--ssh', 'u@x', '--provider', 'podman']).command, 'hosts add');
    assert.match(refusal(['hosts', 'add', 'h', '--ssh', 'u@x', '--provider', 'k8s']).oneLine(), /docker, lxd, podman or swarm$/);
    assert.equal(invocation(['hosts', 'add', 'h', '--local', '--provider', 'swarm']).command, 'hosts add');
    assert.equal(invocation(['hosts', 'add', 'h', '--ssh', 'u@x', '--provider', 'swarm', '--overlay', 'plain']).command, 'hosts add');
    assert.match(refusal(['hosts', 'add', 'h', '--local', '--provider', 'lxd']).message, /--local host is a Docker engine/);
    assert.match(refusal(['hosts', 'add', 'h', '--ssh', 'u@x', '--overlay', 'plain']).message, /--overlay is for Swarm hosts/);
    assert.match(
      refusal(['hosts', 'add', 'h', '--ssh', 'u@x', '--provider', 'swarm', '--overlay', 'ipsec']).message,
      /Unknown overlay "ipsec"/,
    );
    assert.match(
      refusal(['create', 'web', '--host', 'c', '--node', 'n1', '--constraint', 'node.role==worker']).message,
      /--node or --constraint, not both/,
    );
    assert.match(refusal(['logs', 'web', '--tail', '1.5']).message, /--tail must be a whole number, not "1.5"/);
    assert.match(refusal(['logs', 'web', '--tail=-1']).message, /--tail must be a whole number/);
    assert.match(refusal(['open', 'web', '--port', '70000']).message, /--port must be 1-65535, not "70000"/);
    assert.match(refusal(['open', 'web', '--port', '0']).message, /--port must be 1-65535/);
  });
});

describe('cli command table', () => {
  it('names each command once', () => {
    const names = COMMANDS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
  });

  it('gives an option the same type in every command (option values are found before the command is known)', () => {
    const seen = new Map<string, string>(Object.entries(GLOBAL_OPTIONS).map(([n, o]) => [n, o.type]));
    for (const c of COMMANDS) {
      for (const [name, o] of Object.entries(c.options)) {
        assert.ok(!(name in GLOBAL_OPTIONS), `${c.name} redefines the global --${name}`);
        assert.equal(seen.get(name) ?? o.type, o.type, `--${name} of ${c.name}`);
        seen.set(name, o.type);
      }
    }
  });

  it('documents every command and every option in --help', () => {
    for (const c of COMMANDS) {
      assert.ok(USAGE.includes(c.name.split(' ').pop() ?? c.name), c.name);
      for (const name of Object.keys(c.options)) assert.ok(USAGE.includes(`--${name}`), `--${name} of ${c.name}`);
    }
    for (const name of Object.keys(GLOBAL_OPTIONS)) if (name !== 'help') assert.ok(USAGE.includes(`--${name}`), name);
  });
});
