import { SwarmError } from '../shared/errors.js';
import type { HostRecord } from '../shared/model.js';

/** A Swarm node's name (its hostname): what `docker node ls` shows. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
/** Swarm's constraint syntax: `node.labels.gpu==true`, `node.role!=manager`, `engine.labels.x==y`. */
const CONSTRAINT = /^(node|engine)\.[A-Za-z0-9._-]+ ?(==|!=) ?[A-Za-z0-9._:/-]+$/;

/** `--node` / `--constraint` of a create: only for Swarm hosts, only one of them, each in Swarm's own syntax. */
export function validatePlacement(
  input: { readonly node?: string; readonly constraint?: string },
  host: Pick<HostRecord, 'name' | 'provider'>,
): { node?: string; constraint?: string } | undefined {
  const { node, constraint } = input;
  if (node === undefined && constraint === undefined) return undefined;
  const flag = node !== undefined ? '--node' : '--constraint';
  if (host.provider !== 'swarm') {
    throw new SwarmError(`${flag} places an instance on a Swarm cluster, and ${host.name} is a ${host.provider} host`, {
      code: 'invalid-input',
      hint: `Leave out ${flag}, or pick a host added with --provider swarm`,
    });
  }
  if (node !== undefined && constraint !== undefined) {
    throw new SwarmError('Give --node or --constraint, not both', {
      code: 'invalid-input',
      hint: 'A node is the constraint node.hostname==NODE',
    });
  }
  if (node !== undefined) {
    if (!NODE_NAME.test(node))
      throw new SwarmError(`"${node}" is not a node name`, { code: 'invalid-input', hint: 'Use a name from: code-swarm hosts test HOST' });
    return { node };
  }
  if (!CONSTRAINT.test(constraint as string)) {
    throw new SwarmError(`"${constraint}" is not a Swarm placement constraint`, {
      code: 'invalid-input',
      hint: 'Write it like node.labels.gpu==true or node.role!=manager',
    });
  }
  return { constraint: constraint as string };
}
