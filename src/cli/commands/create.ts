import { parseIdleTimeout } from '../../core/idleTimeout.js';
import { defineCommand, invalidInput } from '../command.js';
import { buildSinks, untilDone } from '../longRunning.js';
import { instanceJson, instanceLine } from '../output.js';

export const create = defineCommand({
  name: 'create',
  usage:
    'create NAME --host HOST [--image IMG | --dockerfile FILE [--context DIR] [--build-arg K=V]… | --devcontainer FILE] [--code-server-image IMG] [--cpus N] [--memory SIZE] [--disk SIZE] [--env K=V]… [--mount SRC:DST[:ro]]… [--tag K=V]… [--gpus all|N] [--node NODE | --constraint EXPR] [--idle-timeout DURATION] [--no-wait]',
  args: 1,
  options: {
    host: { type: 'string' },
    image: { type: 'string' },
    dockerfile: { type: 'string' },
    context: { type: 'string' },
    'build-arg': { type: 'string', multiple: true },
    devcontainer: { type: 'string' },
    'code-server-image': { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
    disk: { type: 'string' },
    node: { type: 'string' },
    constraint: { type: 'string' },
    'idle-timeout': { type: 'string' },
    env: { type: 'string', multiple: true },
    mount: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
    gpus: { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  check(v) {
    if (!v.host) throw invalidInput('create needs --host HOST', 'List hosts with: code-swarm hosts list');
    if (v.node !== undefined && v.constraint !== undefined) throw invalidInput('Give --node or --constraint, not both');
    // Before any host is asked: a bad duration is the user's to fix.
    if (v['idle-timeout'] !== undefined) parseIdleTimeout(v['idle-timeout']);
    if (v.image !== undefined && v.dockerfile !== undefined) throw invalidInput('Give --image or --dockerfile, not both');
    if (v.dockerfile === undefined && (v.context !== undefined || v['build-arg'] !== undefined)) {
      throw invalidInput('--context and --build-arg go with --dockerfile FILE');
    }
    if (v.devcontainer !== undefined && (v.image !== undefined || v.dockerfile !== undefined)) {
      throw invalidInput('Give --devcontainer, or --image / --dockerfile, not both', 'The devcontainer.json names its own image or build');
    }
  },
  async run({ swarm, out, args: [name], values: v }) {
    const build =
      v.dockerfile !== undefined
        ? {
            dockerfile: v.dockerfile,
            ...(v.context !== undefined ? { context: v.context } : {}),
            ...(v['build-arg'] !== undefined ? { buildArgs: v['build-arg'] } : {}),
          }
        : undefined;
    const input = {
      name,
      host: v.host!,
      // An empty value is bad input, not "use the default".
      ...(v.image !== undefined ? { image: v.image } : {}),
      ...(build ? { build } : {}),
      ...(v.devcontainer !== undefined ? { devcontainer: v.devcontainer } : {}),
      ...(v['code-server-image'] !== undefined ? { codeServerImage: v['code-server-image'] } : {}),
      ...(v.cpus !== undefined ? { cpus: v.cpus } : {}),
      ...(v.memory !== undefined ? { memory: v.memory } : {}),
      ...(v.disk !== undefined ? { disk: v.disk } : {}),
      ...(v.node !== undefined ? { node: v.node } : {}),
      ...(v.constraint !== undefined ? { constraint: v.constraint } : {}),
      ...(v['idle-timeout'] !== undefined ? { idleTimeout: v['idle-timeout'] } : {}),
      ...(v.env !== undefined ? { env: v.env } : {}),
      ...(v.mount !== undefined ? { mounts: v.mount } : {}),
      ...(v.tag !== undefined ? { tags: v.tag } : {}),
      ...(v.gpus !== undefined ? { gpus: v.gpus } : {}),
    };
    const view = await untilDone(async (signal) => {
      const made = await swarm.create(input, {
        signal,
        ...buildSinks(out),
      });
      return v['no-wait'] ? made : swarm.waitHealthy(made.name, { timeoutMs: 180_000, signal });
    });
    // What a devcontainer.json asked that was not done: said once, on stderr, whatever the output mode.
    if (view.unsupported && view.unsupported.length > 0) out.error(`Not supported, left out: ${view.unsupported.join(', ')}`);
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
