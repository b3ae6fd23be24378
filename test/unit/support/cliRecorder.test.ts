import assert from 'node:assert/strict';
import { cliCommand, isCodeSwarmCli } from '../../support/cliRecorder.js';

describe('cliRecorder: which CLI runs reveal a password on purpose', () => {
  it('finds the command word past options and their values', () => {
    assert.equal(cliCommand(['--json', '--state-dir', '/s', '--known-hosts', '/k', 'password', 'web']), 'password');
    assert.equal(cliCommand(['password', 'web', '--json']), 'password');
    assert.equal(cliCommand(['create', 'password', '--host', 'alpha']), 'create');
    assert.equal(cliCommand(['--host', 'password', 'create', 'x']), 'create');
    assert.equal(cliCommand(['--state-dir=/s', 'list']), 'list');
    assert.equal(cliCommand([]), undefined);
  });

  it('recognises only the built CLI', () => {
    assert.ok(isCodeSwarmCli('/repo/dist/cli.js'));
    assert.ok(!isCodeSwarmCli('/repo/node_modules/.bin/mocha'));
    assert.ok(!isCodeSwarmCli(undefined));
  });
});
