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
