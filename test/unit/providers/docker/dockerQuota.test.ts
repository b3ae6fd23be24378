import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import type { DockerEngine } from '../../../../src/providers/docker/dockerEngine.js';
import { dockerQuotaProblem, type StorageInfo } from '../../../../src/providers/docker/dockerQuota.js';
import { DOCKER_DIALECT } from '../../../../src/providers/docker/engineDialect.js';
import { PODMAN_DIALECT } from '../../../../src/providers/podman/podmanDialect.js';

/** What an engine did with the probe volume: the create it was asked for, and the names it removed. */
interface Probed {
  created: Docker.VolumeCreateOptions[];
  removed: string[];
}

/**
 * An engine whose volume create answers as `refuse` says (a dockerode error
 * with the engine's message), or accepts. Only the calls the quota check
 * makes exist: anything else it touched would throw.
 */
function engine(refuse?: string, dialect = DOCKER_DIALECT): { engine: DockerEngine; probed: Probed } {
  const probed: Probed = { created: [], removed: [] };
  const api = {
    createVolume: (o: Docker.VolumeCreateOptions) => {
      probed.created.push(o);
      if (refuse === undefined) return Promise.resolve({});
      return Promise.reject(
        Object.assign(new Error(`(HTTP code 500) server error - ${refuse}`), { statusCode: 500, json: { message: refuse } }),
      );
    },
    getVolume: (name: string) => ({ remove: () => (probed.removed.push(name), Promise.resolve()) }),
  };
  return { engine: { api, dialect } as unknown as DockerEngine, probed };
}

const storage = (driver: string, backing?: string): StorageInfo => ({
  Driver: driver,
  DriverStatus: backing === undefined ? [] : [['Backing Filesystem', backing]],
});

/**
 * Which engines can hold `--disk` (docs/DISK.md). No lab host gives the
 * enforcing answers (its kernel has no XFS or ext4 quotas), so they are
 * pinned here with the engine's own words as Docker 20.10 says them.
 */
describe('disk quotas: what a Docker-API engine can enforce', () => {
  it('refuses overlay on anything but xfs, naming the backing filesystem, before any volume is made', async () => {
    const { engine: e, probed } = engine();
    assert.equal(
      await dockerQuotaProblem(e, storage('overlay2', 'extfs')),
      'Docker keeps containers with overlay2 on extfs, and overlay enforces sizes only on xfs mounted with pquota',
    );
    assert.equal(
      await dockerQuotaProblem(e, storage('overlay2')),
      'Docker keeps containers with overlay2 on a filesystem it does not name, and overlay enforces sizes only on xfs mounted with pquota',
    );
    assert.deepEqual(probed.created, [], 'no probe volume');
  });

  it('refuses drivers that take no size at all, in the engine’s own name', async () => {
    assert.equal(await dockerQuotaProblem(engine().engine, storage('vfs')), "Docker's storage driver vfs enforces no size");
    assert.equal(
      await dockerQuotaProblem(engine().engine, storage('devicemapper')),
      "Docker's storage driver devicemapper enforces no size",
    );
    assert.equal(
      await dockerQuotaProblem(engine(undefined, PODMAN_DIALECT).engine, {}),
      "Podman's storage driver unknown enforces no size",
    );
  });

  it('passes overlay on xfs once a sized probe volume is taken, and removes that probe', async () => {
    const { engine: e, probed } = engine();
    assert.equal(await dockerQuotaProblem(e, storage('overlay2', 'xfs')), undefined);
    assert.equal(probed.created.length, 1);
    const [made] = probed.created;
    assert.match(made?.Name ?? '', /^code-swarm-quota-probe-[0-9a-f]{8}$/);
    assert.deepEqual(made?.DriverOpts, { size: '1g' });
    assert.deepEqual(made?.Labels, { 'code-swarm.probe': '1' }, 'labelled, so a killed run’s probe is cleared as a leftover');
    assert.deepEqual(probed.removed, [made?.Name]);
  });

  it('refuses btrfs whose volumes take no size: the writable layer alone would be held, not the workspace', async () => {
    // Docker 20.10's local driver, where its volumes are not on xfs with project quotas
    // (measured on btrfs, whose qgroups do hold the btrfs driver's StorageOpt size).
    const { engine: e, probed } = engine('create code-swarm-quota-probe-0a1b2c3d: quota size requested but no quota support');
    assert.equal(
      await dockerQuotaProblem(e, storage('btrfs')),
      "Docker's volumes cannot take a size there (create code-swarm-quota-probe-0a1b2c3d: quota size requested but no quota support)",
    );
    assert.equal(probed.created.length, 1);
    assert.deepEqual(probed.removed, [], 'a probe the engine refused is not there to remove');
  });

  it('passes zfs and btrfs where the volumes take a size, even if removing the probe fails', async () => {
    for (const driver of ['zfs', 'btrfs']) {
      const { engine: e } = engine();
      e.api.getVolume = ((name: string) => ({
        remove: () => Promise.reject(new Error(`volume ${name} is in use`)),
      })) as typeof e.api.getVolume;
      assert.equal(await dockerQuotaProblem(e, storage(driver)), undefined, driver);
    }
  });
});
