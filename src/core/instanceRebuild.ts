import type { BuildSpec, ObservedInstance } from '../providers/provider.js';
import { BuildFailedError } from '../providers/common/buildFailedError.js';
import { readBuildContext } from '../providers/docker/buildContext.js';
import { SwarmError } from '../shared/errors.js';
import type { InstanceRecord } from '../shared/model.js';
import { readDevcontainer } from './devcontainerFile.js';
import type { OperationOptions } from './instanceLifecycle.js';
import type { InstanceSnapshotsOptions } from './instanceSnapshots.js';
import { applyObservation, refOf, requireHost, requireInstance } from './records.js';
import { validateBuild } from './validateBuild.js';
import type { InstanceView } from './views.js';

/**
 * Rebuilding a built instance: its Dockerfile or devcontainer.json is read
 * again from where the create found it, built on the host, and the instance
 * runs the new image with its workspace, password and options kept (docs/ANY-IMAGE.md).
 */
export class InstanceRebuild {
  constructor(private readonly opts: InstanceSnapshotsOptions) {}

  async rebuild(name: string, options: OperationOptions = {}): Promise<InstanceView> {
    const { store, busy, health } = this.opts;
    const rec = await requireInstance(store, name);
    // Everything this machine holds is read and checked before the host is asked.
    const build = buildOf(rec);
    await readBuildContext(build);
    const provider = this.opts.providerOf(await requireHost(store, rec.host));
    if (provider.rebuild === undefined) {
      throw new SwarmError(`${rec.host} is a ${provider.kind} host, which cannot rebuild an instance`, {
        code: 'invalid-input',
        hint: 'Rebuild works on Docker and Podman hosts',
      });
    }
    const done = busy.mark(rec.id, rec.name);
    let observed: ObservedInstance;
    try {
      observed = await provider.rebuild(refOf(rec), build, options);
    } catch (e) {
      if (!(e instanceof BuildFailedError)) throw e;
      throw new BuildFailedError(
        e.message,
        e.logTail,
        e,
        'Fix the Dockerfile (its log is in the output) and rebuild: the instance still runs its old image',
      );
    } finally {
      done();
    }
    health.noteRestored(rec.id, observed.state === 'running');
    const record = await applyObservation(store, rec.id, observed);
    this.opts.changed(rec.host);
    return health.viewOf(record);
  }
}

/** The build the instance was made from, as it reads today: a devcontainer.json is read again, so its changes count. */
function buildOf(rec: InstanceRecord): BuildSpec {
  const from = rec.rebuildFrom;
  if (from === undefined) {
    throw new SwarmError(`${rec.name} runs the image ${rec.image}; it was not built, so there is nothing to rebuild`, {
      code: 'invalid-input',
      hint: 'Rebuild works on instances created with --dockerfile or with a devcontainer.json that builds',
    });
  }
  if (!('devcontainer' in from))
    return validateBuild({ dockerfile: `${from.context}/${from.dockerfile}`, context: from.context, buildArgs: argList(from.args) });
  const plan = readDevcontainer(from.devcontainer);
  if (plan.build === undefined) {
    throw new SwarmError(`${from.devcontainer} names an image now, not a build: ${rec.name} cannot be rebuilt from it`, {
      code: 'invalid-input',
      hint: 'Create a new instance from it, or give it its build section back',
    });
  }
  return validateBuild(plan.build);
}

function argList(args: Readonly<Record<string, string>>): string[] {
  return Object.entries(args).map(([k, v]) => `${k}=${v}`);
}
