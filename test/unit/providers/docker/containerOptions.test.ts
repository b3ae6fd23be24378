import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { SwarmError } from '../../../../src/shared/errors.js';
import { containerOptions, PROJECT_DIR, specFromInspect } from '../../../../src/providers/docker/containerOptions.js';
import { IDLE_LABEL, LABEL } from '../../../../src/providers/common/labels.js';
import type { InstanceSpec } from '../../../../src/providers/provider.js';

describe('containerOptions and specFromInspect', () => {
  const spec: InstanceSpec = {
    id: '0b8e6f0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    name: 'web',
    image: 'codercom/code-server:4',
    cpus: 1.5,
    memoryBytes: 768 * 1024 ** 2,
    pidsLimit: 1024,
    cookieSuffix: 'abc123',
    hashedPassword: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    storeId: '7b0c4a52-5d0e-4c1e-9d3c-3c1f0f0e2a11',
  };
  const ref = { id: spec.id, name: spec.name, containerId: 'c1' };

  /** What Docker's inspect reports for a container made from these options (the fields specFromInspect reads). */
  function inspectOf(o: Docker.ContainerCreateOptions): Docker.ContainerInspectInfo {
    return {
      Config: { Labels: o.Labels, Env: [...(o.Env ?? []), 'PATH=/usr/bin'], Image: o.Image, User: o.User },
      HostConfig: { NanoCpus: o.HostConfig?.NanoCpus, Memory: o.HostConfig?.Memory, PidsLimit: o.HostConfig?.PidsLimit },
    } as unknown as Docker.ContainerInspectInfo;
  }

  it('reads back the spec a container was made from, so a restore recreates it alike', () => {
    const created = containerOptions(spec, {
      name: 'code-swarm-web',
      image: spec.image,
      user: '1000:1000',
      volume: 'code-swarm-web-project',
    });
    const back = specFromInspect(inspectOf({ ...created, Image: 'code-swarm-snapshot/web:snap-1' }), ref);
    assert.deepEqual(back, spec);
    const again = containerOptions(back, {
      name: 'code-swarm-web',
      image: spec.image,
      user: '1000:1000',
      volume: 'code-swarm-web-project',
    });
    assert.deepEqual(again, created);
  });

  it('keeps the hardening and the loopback-only ephemeral port in the one place both use', () => {
    const o = containerOptions(spec, { name: 'tmp', image: 'code-swarm-snapshot/web:snap-1', user: '1000:1000', volume: 'vol' });
    assert.equal(o.Image, 'code-swarm-snapshot/web:snap-1');
    assert.equal(o.Labels?.[LABEL.instance], spec.id);
    assert.deepEqual(o.HostConfig?.PortBindings, { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    assert.deepEqual(o.HostConfig?.Mounts, [{ Type: 'volume', Source: 'vol', Target: PROJECT_DIR }]);
    assert.deepEqual(o.HostConfig?.CapDrop, ['ALL']);
    assert.deepEqual(o.HostConfig?.SecurityOpt, ['no-new-privileges']);
    assert.equal(o.HostConfig?.RestartPolicy?.Name, 'unless-stopped');
  });

  it('gives code-server its idle timeout, and a restart policy that leaves its exit 0 alone', () => {
    const idle = { ...spec, idleTimeoutSeconds: 1800 };
    const o = containerOptions(idle, { name: 'n', image: spec.image, user: '1000:1000', volume: 'v' });
    assert.ok(o.Env?.includes('CODE_SERVER_IDLE_TIMEOUT_SECONDS=1800'));
    assert.equal(o.Labels?.[IDLE_LABEL], '1800');
    assert.deepEqual(o.HostConfig?.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 0 });
    assert.deepEqual(specFromInspect(inspectOf(o), ref), idle, 'a restore keeps the timeout');
  });

  it('turns a timeout inherited from a committed image off explicitly', () => {
    const o = containerOptions(spec, { name: 'n', image: spec.image, user: '1000:1000', volume: 'v' });
    assert.ok(o.Env?.includes('CODE_SERVER_IDLE_TIMEOUT_SECONDS='), 'empty: code-server ignores it');
    assert.equal(o.Labels?.[IDLE_LABEL], '');
    const fromCommit = inspectOf({ ...o, Env: ['CODE_SERVER_IDLE_TIMEOUT_SECONDS=61', ...(o.Env ?? [])] });
    assert.equal(specFromInspect(fromCommit, ref).idleTimeoutSeconds, undefined, "the container's own (last) value wins");
  });

  it('refuses to recreate a container whose password hash is gone', () => {
    const o = containerOptions(spec, { name: 'n', image: spec.image, user: '1000:1000', volume: 'v' });
    const info = inspectOf({ ...o, Env: [`CODE_SERVER_COOKIE_SUFFIX=${spec.cookieSuffix}`] });
    assert.throws(
      () => specFromInspect(info, ref),
      (e: unknown) => e instanceof SwarmError && /password hash/.test(e.message),
    );
  });
});
