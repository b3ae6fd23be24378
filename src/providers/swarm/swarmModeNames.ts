import { instanceName } from '../common/instanceName.js';

/**
 * Names of what one instance on a Swarm-mode host is made of. All of them
 * start with the instance's container name, so `docker service ls`, `docker
 * secret ls` and `docker network ls` on the manager read alike.
 */
export function serviceName(name: string): string {
  return instanceName(name);
}

/** The workspace volume, made by the engine of the node the task runs on. */
export function swarmVolumeName(name: string): string {
  return `${instanceName(name)}-project`;
}

/** The Swarm secret that holds the password's hash (never the password). */
export function passwordSecretName(name: string, id: string): string {
  return `${instanceName(name)}-password-${id.slice(0, 8)}`;
}

/** The instance's own encrypted overlay: only it and its gateway are on it. */
export function overlayName(name: string): string {
  return `${instanceName(name)}-net`;
}

/** The manager's container that publishes the instance on the manager's loopback. */
export function gatewayName(name: string): string {
  return `${instanceName(name)}-gw`;
}

/** Where the task finds its password hash (a tmpfs Swarm mounts, readable by code-server's user only). */
export const PASSWORD_SECRET_FILE = 'code-swarm-password';

/**
 * The alias every instance's service has on its overlay, which its gateway
 * dials: a gateway made before its instance (a ready slot) cannot know the
 * service's name. Alone on its overlay with its gateway, the alias is the instance.
 */
export const INSTANCE_ALIAS = 'code-swarm-instance';

/** Marks a ready slot's overlay, gateway and claim (its value: the slot's name), kept after the slot is taken. */
export const POOL_LABEL = 'code-swarm.pool';

/**
 * On a service that took a slot: its gateway container's name (the slot's).
 * A gateway on a Swarm overlay cannot be renamed (Docker 20.10 refuses:
 * moby/moby#42351), so it keeps the slot's name and the service names it.
 */
export const GATEWAY_NAME_LABEL = 'code-swarm.gateway';

/** An underscore: no instance's name has one, so no instance's container, overlay or gateway can be named like a slot. */
const SLOT_PREFIX = 'code-swarm_slot-';

/** A ready slot's name: its gateway container's, and its claim's once a create takes it. */
export function slotName(token: string): string {
  return `${SLOT_PREFIX}${token}`;
}

export function isSlotName(name: string): boolean {
  return name.startsWith(SLOT_PREFIX);
}

/** A slot's overlay, named after the slot (an instance that takes it keeps it, removed by id on delete). */
export function slotOverlayName(slot: string): string {
  return `${slot}-net`;
}
