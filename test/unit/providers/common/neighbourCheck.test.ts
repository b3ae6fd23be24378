import assert from 'node:assert/strict';
import { neighbourCheck, neighbourFinding, parseNeighbours, raiseArgv } from '../../../../src/providers/common/neighbourCheck.js';
import { fakeCheckContext } from '../fakeCheckContext.js';

describe('os.neighbours: the kernel neighbour table a host shares with its containers', () => {
  it('reads the thresholds, the entries and the veths; a namespace without the thresholds has no limit', () => {
    assert.deepEqual(parseNeighbours('128 512 1024\n37\n12\n'), { limit: 1024, thresholds: [128, 512, 1024], entries: 37, veths: 12 });
    assert.deepEqual(parseNeighbours('\n0\n0\n'), { limit: undefined, thresholds: [], entries: 0, veths: 0 });
  });

  it('is ok below three quarters of the limit and says how full it is', () => {
    const f = neighbourFinding(parseNeighbours('128 512 1024\n300\n300\n'), ['sysctl']);
    assert.equal(f.severity, 'ok');
    assert.match(f.message, /about 600 of 1024 entries in use/);
  });

  it('warns from three quarters on, with a fix that raises every threshold and lowers none', () => {
    const s = parseNeighbours('128 9000 1024\n500\n400\n');
    const f = neighbourFinding(s, raiseArgv(s));
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /about 900 of 1024 .*neighbor table overflow/);
    assert.deepEqual(f.fix, [
      [
        'sysctl',
        '-w',
        'net.ipv4.neigh.default.gc_thresh1=2048',
        'net.ipv4.neigh.default.gc_thresh2=9000',
        'net.ipv4.neigh.default.gc_thresh3=16384',
      ],
    ]);
  });

  it('raises further for a table that needs more than the usual fix gives', () => {
    assert.deepEqual(raiseArgv(parseNeighbours('128 512 1024\n9000\n3000\n')).slice(2), [
      'net.ipv4.neigh.default.gc_thresh1=6144',
      'net.ipv4.neigh.default.gc_thresh2=24576',
      'net.ipv4.neigh.default.gc_thresh3=49152',
    ]);
  });

  it('is ok, saying why, where the limit is not visible (a network namespace)', () => {
    const f = neighbourFinding(parseNeighbours('\n3\n2\n'), ['sysctl']);
    assert.equal(f.severity, 'ok');
    assert.match(f.message, /not visible here/);
  });

  it('puts sudo -n before the fix for a user who is not root', async () => {
    const ctx = fakeCheckContext(
      { 'id -un': { stdout: '1004\ndelta\ndelta\ndelta docker\n' }, gc_thresh: { stdout: '128 512 1024\n800\n100\n' } },
      { provider: 'docker', unanswered: 127 },
    );
    const [f] = await neighbourCheck.run(ctx, []);
    assert.equal(f?.severity, 'warning');
    assert.deepEqual(f?.fix?.[0]?.slice(0, 4), ['sudo', '-n', 'sysctl', '-w']);
  });
});
