/** Every engine object of ours is named with this prefix, so people see whose it is. */
export const NAME_PREFIX = 'code-swarm-';

/** The engine's name for an instance (a Docker container, an LXD instance). */
export function instanceName(name: string): string {
  return `${NAME_PREFIX}${name}`;
}

/** Our name inside an engine's name, or undefined when the engine name is not one we made. */
export function ownName(engineName: string): string | undefined {
  return engineName.startsWith(NAME_PREFIX) ? engineName.slice(NAME_PREFIX.length) : undefined;
}
