import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { SwarmError, toSwarmError } from '../../shared/errors.js';
import { LABEL } from '../common/labels.js';
import { noSnapshotError } from '../common/providerErrors.js';
import { freeSnapshotName, snapshotBaseName } from '../common/snapshotNames.js';
import type { InstanceRef, InstanceSpec, Snapshot } from '../provider.js';
import { containerOptions, PROJECT_DIR, specFromInspect } from './containerOptions.js';
import { STOP_TIMEOUT_S, type DockerEngine } from './dockerEngine.js';
import { containerKey, containerName, snapshotRepo, volumeName } from './dockerNames.js';
import { requireHardened } from './hardeningReadBack.js';

/** Image label naming the instance a snapshot belongs to; purge finds untagged snapshot layers by it. */
const SNAPSHOT_OF_LABEL = `${LABEL.instance}-snapshot-of`;
const SNAPSHOT_CREATED_LABEL = `${LABEL.instance}-snapshot-created`;
/**
 * Whether the user gave the snapshot a label ("yes"/"no"). Podman's commit
 * keeps the parent image's comment when given an empty one, so a snapshot of
 * a restored instance would show its parent's label without this.
 */
const SNAPSHOT_LABELLED_LABEL = `${LABEL.instance}-snapshot-labelled`;
/** Docker's tag grammar: a snapshot name is a tag, and nothing else may reach an image reference. */
const SNAPSHOT_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A commit takes the container's file system only: Docker never puts volumes in an image. */
export const DOCKER_SNAPSHOT_WARNING = `the workspace volume ${PROJECT_DIR} is not part of a Docker snapshot`;

/**
 * Docker snapshots: commits of an instance's container to
 * `code-swarm-snapshot/NAME:snap-…`, restored by recreating the container.
 */
export class DockerSnapshots {
  constructor(private readonly engine: DockerEngine) {}

  /**
   * Commits the container's file system. The workspace volume is not in it
   * (Docker never commits volumes), which the returned warning says, so a
   * restore brings back installed packages and settings but leaves
   * /home/coder/project as it is then.
   */
  async take(ref: InstanceRef, label: string | undefined): Promise<Snapshot> {
    const createdAt = new Date().toISOString();
    // Two snapshots in one second would share a tag, and the first would silently lose it.
    const taken = new Set((await this.tags(ref)).map((t) => t.slice(t.lastIndexOf(':') + 1)));
    const tag = freeSnapshotName(snapshotBaseName(new Date(createdAt)), taken);
    await this.engine.call(
      'commit a snapshot',
      () =>
        this.engine.streams.getContainer(containerKey(ref)).commit({
          repo: snapshotRepo(ref),
          tag,
          pause: true,
          // Values Code Swarm made (a UUID, an ISO time): nothing a Dockerfile parser would expand.
          changes: [
            `LABEL ${SNAPSHOT_OF_LABEL}=${ref.id}`,
            `LABEL ${SNAPSHOT_CREATED_LABEL}=${createdAt}`,
            `LABEL ${SNAPSHOT_LABELLED_LABEL}=${label ? 'yes' : 'no'}`,
          ],
          // The user's label travels as the image comment: unlike a LABEL change it is never parsed.
          comment: label ?? '',
        }),
      ref,
    );
    // An empty label reads back as none (an empty comment), as with LXD.
    return { name: tag, createdAt, label: label ? label : undefined, warning: DOCKER_SNAPSHOT_WARNING };
  }

  async list(ref: InstanceRef): Promise<Snapshot[]> {
    const images = await this.images(ref);
    // The label is the image comment, which only an inspect returns; an instance has a handful of snapshots.
    const comments = await Promise.all(
      images.map((i) =>
        this.engine
          .call('read a snapshot', () => this.engine.api.getImage(i.Id).inspect(), undefined, [404])
          .then((info: Docker.ImageInspectInfo | undefined) => info?.Comment),
      ),
    );
    return images
      .flatMap((i, n) =>
        (i.RepoTags ?? []).map((t) => ({
          name: t.slice(t.lastIndexOf(':') + 1),
          createdAt: i.Labels?.[SNAPSHOT_CREATED_LABEL] ?? new Date(i.Created * 1000).toISOString(),
          // Snapshots taken before the labelled label existed have only their comment.
          label: comments[n] && i.Labels?.[SNAPSHOT_LABELLED_LABEL] !== 'no' ? comments[n] : undefined,
        })),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * A new container from the snapshot image with the old one's name, labels,
   * password, volume, limits and port policy. It is made under a temporary
   * name first and the old container is removed only once it exists, so a
   * failure on the way leaves the instance with a container (the old one, or
   * the new one under its temporary name, both labelled). It runs afterwards
   * if the old one ran, as an LXD restore does, on the `network` given (the
   * isolated one, whatever network the old container was on). Answers the new container's id.
   */
  async restore(
    ref: InstanceRef,
    snapshot: string,
    network: string,
    respec: (spec: InstanceSpec) => InstanceSpec = (spec) => spec,
  ): Promise<string> {
    const image = `${snapshotRepo(ref)}:${checkedSnapshotTag(snapshot)}`;
    await this.require(ref, image, snapshot);
    return this.recreate(ref, image, network, snapshot, respec);
  }

  /**
   * The container made again from `image` with everything else the old one
   * had (a restore, a rebuild): see restore. `from` names the image in errors.
   */
  async recreate(
    ref: InstanceRef,
    image: string,
    network: string,
    from: string,
    respec: (spec: InstanceSpec) => InstanceSpec = (spec) => spec,
    prepare?: (created: Docker.Container, spec: InstanceSpec) => Promise<void>,
  ): Promise<string> {
    const old = await this.engine.call('inspect the container', () => this.engine.container(ref).inspect(), ref);
    const spec = respec(specFromInspect(old, ref));
    const wasRunning = old.State.Running || old.State.Restarting;
    const mount = old.Mounts.find((m) => m.Destination === PROJECT_DIR && m.Type === 'volume');
    const temporary = `${containerName(ref.name)}-restoring-${randomBytes(3).toString('hex')}`;
    const placement = {
      name: temporary,
      image,
      user: old.Config.User,
      volume: mount?.Name ?? volumeName(ref.name),
      network,
      gpuStyle: this.engine.dialect.gpuStyle,
    };
    const created = await this.engine.call('create the restored container', () =>
      this.engine.api.createContainer(containerOptions(spec, placement)),
    );
    const oldContainer = this.engine.api.getContainer(old.Id);
    try {
      // A new image (a rebuild) may lack what the first create put in it: the home and workspace directories.
      if (prepare) await prepare(created, spec);
      // The snapshot's container must hold what the instance's did; the old one stays until it does.
      await requireHardened(this.engine, created.id, spec, false);
      // A graceful stop first: code-server gets to finish what it writes to the volume.
      if (wasRunning)
        await this.engine.call('stop the old container', () => oldContainer.stop({ t: STOP_TIMEOUT_S }), undefined, [304, 404]);
      await this.engine.call('remove the old container', () => oldContainer.remove({ force: true, v: false }), undefined, [404]);
    } catch (e) {
      await created.remove({ force: true }).catch(() => undefined);
      if (wasRunning) await oldContainer.start().catch(() => undefined);
      throw toSwarmError(e);
    }
    try {
      await this.engine.call('rename the restored container', () => created.rename({ name: containerName(ref.name) }));
    } catch (e) {
      throw new SwarmError(`${ref.name} was made again from ${from}, but its new container kept the temporary name ${temporary}`, {
        code: 'internal',
        hint: `Rename it on ${this.engine.link.label} (docker rename ${temporary} ${containerName(ref.name)}), then start the instance`,
        cause: e,
      });
    }
    if (wasRunning) await this.engine.call('start the restored container', () => created.start());
    return created.id;
  }

  /**
   * Keeps a commit that a container now runs from, without it being a
   * snapshot: it gets the tag `<repo>_base:current` (`_` is in no instance
   * name, and the snapshot list reads `<repo>:*` only), then loses its
   * snapshot tag. Untagging needs no force while another tag holds the
   * image; a forced removal deletes an image a stopped container still uses,
   * and that container can then no longer be committed. Purge finds it by its
   * label.
   */
  async keepAsBase(ref: InstanceRef, snapshot: string): Promise<void> {
    const image = `${snapshotRepo(ref)}:${checkedSnapshotTag(snapshot)}`;
    await this.engine.call('keep the base image', () =>
      this.engine.api.getImage(image).tag({ repo: `${snapshotRepo(ref)}_base`, tag: 'current' }),
    );
    await this.engine.call('untag the base image', () => this.engine.api.getImage(image).remove(), undefined, [404]);
  }

  async delete(ref: InstanceRef, snapshot: string): Promise<void> {
    const image = `${snapshotRepo(ref)}:${checkedSnapshotTag(snapshot)}`;
    await this.require(ref, image, snapshot);
    // Forced, because a container restored from this snapshot uses the image:
    // the tag goes, the layers stay for as long as that container does (purge removes them).
    await this.engine.call('delete a snapshot', () => this.engine.api.getImage(image).remove({ force: true }), undefined, [404]);
  }

  /**
   * The instance's snapshot images, tagged or not: a snapshot deleted while a
   * restored container used it, or the parent of a later snapshot, lives on
   * untagged and is found by its label. A parent cannot go before its child:
   * newest first, and what still has a child is tried again in a later pass.
   */
  async deleteAll(ref: InstanceRef): Promise<void> {
    const [byTag, byLabel] = await Promise.all([
      this.images(ref),
      this.engine.call('list snapshots', () => this.engine.api.listImages({ filters: { label: [`${SNAPSHOT_OF_LABEL}=${ref.id}`] } })),
    ]);
    const created = new Map([...byTag, ...byLabel].map((i) => [i.Id, i.Created]));
    let pending = [...created.keys()].sort((a, b) => (created.get(b) ?? 0) - (created.get(a) ?? 0));
    // Each pass removes at least one image or gives up, so this ends.
    while (pending.length > 0) {
      const left: string[] = [];
      let lastError: unknown;
      for (const id of pending) {
        try {
          await this.engine.call('remove a snapshot image', () => this.engine.api.getImage(id).remove({ force: true }), undefined, [404]);
        } catch (e) {
          left.push(id);
          lastError = e;
        }
      }
      if (left.length === pending.length) throw lastError;
      pending = left;
    }
  }

  private images(ref: InstanceRef): Promise<Docker.ImageInfo[]> {
    return this.engine.call('list snapshots', () => this.engine.api.listImages({ filters: { reference: [`${snapshotRepo(ref)}:*`] } }));
  }

  private async tags(ref: InstanceRef): Promise<string[]> {
    return (await this.images(ref)).flatMap((i) => i.RepoTags ?? []);
  }

  /** Tells a missing snapshot from a missing instance. */
  private async require(ref: InstanceRef, image: string, snapshot: string): Promise<void> {
    const found = await this.engine.call('read a snapshot', () => this.engine.api.getImage(image).inspect(), undefined, [404]);
    if (found) return;
    throw noSnapshotError(ref, this.engine.link.label, snapshot);
  }
}

function checkedSnapshotTag(snapshot: string): string {
  if (SNAPSHOT_TAG.test(snapshot)) return snapshot;
  throw new SwarmError(`"${snapshot.slice(0, 80)}" is not a snapshot name`, {
    code: 'invalid-input',
    hint: 'Snapshot names look like snap-20250101120000; list the snapshots to see them',
  });
}
