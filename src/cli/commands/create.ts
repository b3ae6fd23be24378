import { parseIdleTimeout } from '../../core/idleTimeout.js';
import { defineCommand, invalidInput } from '../command.js';
import { instanceJson, instanceLine } from '../output.js';

export const create = defineCommand({
  name: 'create',
  usage:
    'create NAME --host HOST [--image IMG] [--cpus N] [--memory SIZE] [--env K=V]… [--mount SRC:DST[:ro]]… [--tag K=V]… [--gpus all|N] [--node NODE | --constraint EXPR] [--idle-timeout DURATION] [--no-wait]',

  args: 1,
  options: {
    host: { type: 'string' },
    image: { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
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
  },
  async run({ swarm, out, args: [name], values: v }) {
    let view = await swarm.create(
      {
        name,
        host: v.host!,
        // An empty value is bad input, not "use the default".
        ...(v.image !== undefined ? { image: v.image } : {}),
        ...(v.cpus !== undefined ? { cpus: v.cpus } : {}),
        ...(v.memory !== undefined ? { memory: v.memory } : {}),
        ...(v.node !== undefined ? { node: v.node } : {}),
        ...(v.constraint !== undefined ? { constraint: v.constraint } : {}),
        ...(v['idle-timeout'] !== undefined ? { idleTimeout: v['idle-timeout'] } : {}),
        ...(v.env !== undefined ? { env: v.env } : {}),
        ...(v.mount !== undefined ? { mounts: v.mount } : {}),
        ...(v.tag !== undefined ? { tags: v.tag } : {}),
        ...(v.gpus !== undefined ? { gpus: v.gpus } : {}),
      },
      { onProgress: (m) => (out.json ? undefined : out.error(m)) },
    );
    if (!v['no-wait']) view = await swarm.waitHealthy(view.name, { timeoutMs: 180_000 });
    out.data(instanceJson(view), () => instanceLine(view));
  },
});
