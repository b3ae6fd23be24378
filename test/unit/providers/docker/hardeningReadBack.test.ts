import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { hardeningProblems } from '../../../../src/providers/docker/hardeningReadBack.js';

const spec = { name: 'web', memoryBytes: 1024 ** 3, pidsLimit: 1024 };
/** Podman 4.3 reports a drop of ALL as the list of defaults it dropped (read from the lab's engine). */
const PODMAN_DROPS =
  'AUDIT_WRITE CHOWN DAC_OVERRIDE FOWNER FSETID KILL MKNOD NET_BIND_SERVICE NET_RAW SETFCAP SETGID SETPCAP SETUID SYS_CHROOT';

/** An inspect of a hardened container as Docker reports it, with `change` applied. */
function inspect(
  change: (i: { Config: Record<string, unknown>; HostConfig: Record<string, unknown>; NetworkSettings: Record<string, unknown> }) => void,
): Docker.ContainerInspectInfo {
  const info = {
    Config: { User: '1000:1000' },
    HostConfig: {
      CapAdd: null,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 1024,
      Memory: 1024 ** 3,
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
    NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '41234' }] } },
  };
  change(info);
  return info as unknown as Docker.ContainerInspectInfo;
}

describe('hardening read-back: what the engine applied, against what the create asked', () => {
  it('passes a container hardened as asked, in Docker words and in Podman words', () => {
    assert.deepEqual(
      hardeningProblems(
        inspect(() => undefined),
        spec,
        false,
      ),
      [],
    );
    assert.deepEqual(
      hardeningProblems(
        inspect(() => undefined),
        spec,
        true,
      ),
      [],
    );
    const podman = inspect((i) => {
      i.HostConfig['CapDrop'] = PODMAN_DROPS.split(' ');
      i.HostConfig['CapAdd'] = [];
      i.HostConfig['SecurityOpt'] = ['no-new-privileges:true'];
    });
    assert.deepEqual(hardeningProblems(podman, spec, true), []);
  });

  it('names a pids limit the engine dropped (rootless Podman on cgroup v1 does, without an error)', () => {
    for (const dropped of [0, null, undefined, -1]) {
      const problems = hardeningProblems(
        inspect((i) => (i.HostConfig['PidsLimit'] = dropped)),
        spec,
        false,
      );
      assert.equal(problems.length, 1, String(dropped));
      assert.match(problems[0]!, /^pids limit 1024 not applied \(engine reports none\)$/);
    }
    assert.match(
      hardeningProblems(
        inspect((i) => (i.HostConfig['PidsLimit'] = 4096)),
        spec,
        false,
      )[0]!,
      /reports 4096/,
    );
  });

  it('names a memory limit that did not hold', () => {
    assert.deepEqual(
      hardeningProblems(
        inspect((i) => (i.HostConfig['Memory'] = 0)),
        spec,
        false,
      ),
      [`memory limit ${1024 ** 3} not applied (engine reports none)`],
    );
  });

  it('names capabilities kept or added, and a missing no-new-privileges', () => {
    const kept = inspect((i) => (i.HostConfig['CapDrop'] = PODMAN_DROPS.split(' ').filter((c) => c !== 'NET_RAW' && c !== 'CHOWN')));
    assert.deepEqual(hardeningProblems(kept, spec, false), ['keeps capabilities CHOWN, NET_RAW']);
    assert.deepEqual(
      hardeningProblems(
        inspect((i) => (i.HostConfig['CapAdd'] = ['CAP_SYS_ADMIN'])),
        spec,
        false,
      ),
      ['adds capabilities SYS_ADMIN'],
    );
    assert.deepEqual(
      hardeningProblems(
        inspect((i) => (i.HostConfig['SecurityOpt'] = ['seccomp=unconfined'])),
        spec,
        false,
      ),
      ['no no-new-privileges'],
    );
  });

  it('names a root user, whatever the spelling', () => {
    for (const user of ['', 'root', '0', '0:0', 'root:root']) {
      assert.equal(
        hardeningProblems(
          inspect((i) => (i.Config['User'] = user)),
          spec,
          false,
        ).length,
        1,
        JSON.stringify(user),
      );
    }
  });

  it('names a port bound beyond loopback, or not published, before and after start', () => {
    const open = inspect((i) => {
      i.HostConfig['PortBindings'] = { '8080/tcp': [{ HostIp: '', HostPort: '' }] };
      i.NetworkSettings['Ports'] = {
        '8080/tcp': [
          { HostIp: '0.0.0.0', HostPort: '41234' },
          { HostIp: '::', HostPort: '41234' },
        ],
      };
    });
    assert.deepEqual(hardeningProblems(open, spec, false), ['port 8080 bound to every address, not only 127.0.0.1']);
    assert.deepEqual(hardeningProblems(open, spec, true), ['port 8080 bound to 0.0.0.0, ::, not only 127.0.0.1']);
    const none = inspect((i) => (i.NetworkSettings['Ports'] = {}));
    assert.deepEqual(hardeningProblems(none, spec, true), ['port 8080 not published on 127.0.0.1']);
  });

  it('asks nothing of a limit the spec did not set', () => {
    const unlimited = inspect((i) => {
      i.HostConfig['PidsLimit'] = 0;
      i.HostConfig['Memory'] = 0;
    });
    assert.deepEqual(hardeningProblems(unlimited, { name: 'web', memoryBytes: 0, pidsLimit: 0 }, true), []);
  });
});
