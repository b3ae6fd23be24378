import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODE_SERVER_PORT } from '../common/codeServer.js';
import type { InstanceSpec } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';

/** What the read-back compares with: the limits the container was asked for. */
export type HardeningSpec = Pick<InstanceSpec, 'name' | 'memoryBytes' | 'pidsLimit' | 'diskBytes'>;

/**
 * Every capability Docker (14) or Podman (11) grants by default. An engine
 * that reports a drop of ALL as the list of what it dropped (Podman does)
 * must list at least all of these; anything it leaves out was kept.
 */
const DEFAULT_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/**
 * What the engine says it applied, against what the create asked for. An
 * engine may accept a setting and not apply it (rootless Podman on cgroup v1
 * drops pids limits with a warning nobody reads; a socket proxy or an engine
 * plugin may rewrite a create), so the inspect is read back before the
 * container first starts, and the bound address once it runs. Answers one
 * line per setting that did not hold; none means hardened.
 *
 * `running`: the container has started, so its published ports are real
 * bindings (before that, only the requested ones are known).
 */
export function hardeningProblems(info: Docker.ContainerInspectInfo, spec: HardeningSpec, running: boolean): string[] {
  const problems: string[] = [];
  const host = info.HostConfig;
  if (isRoot(info.Config.User ?? ''))
    problems.push(`runs as ${info.Config.User ? `user ${info.Config.User}` : 'the image default (root)'}`);
  const added = (host.CapAdd ?? []).map(capName);
  if (added.length > 0) problems.push(`adds capabilities ${added.join(', ')}`);
  const dropped = new Set((host.CapDrop ?? []).map(capName));
  const kept = dropped.has('ALL') ? [] : DEFAULT_CAPABILITIES.filter((c) => !dropped.has(c));
  if (kept.length > 0) problems.push(`keeps capabilities ${kept.join(', ')}`);
  if (!((host.SecurityOpt ?? []) as string[]).some((o) => /^no-new-privileges([:=]true)?$/i.test(o))) problems.push('no no-new-privileges');
  if (spec.pidsLimit > 0 && host.PidsLimit !== spec.pidsLimit) {
    // 0, -1 and absent all mean unlimited to Docker and Podman.
    problems.push(
      `pids limit ${spec.pidsLimit} not applied (engine reports ${host.PidsLimit && host.PidsLimit > 0 ? host.PidsLimit : 'none'})`,
    );
  }
  if (spec.memoryBytes > 0 && host.Memory !== spec.memoryBytes) {
    problems.push(`memory limit ${spec.memoryBytes} not applied (engine reports ${host.Memory ? host.Memory : 'none'})`);
  }
  if (spec.diskBytes !== undefined && host.StorageOpt?.['size'] === undefined) problems.push(`disk size ${spec.diskBytes} not applied`);
  const key = `${CODE_SERVER_PORT}/tcp`;
  const bindings = running ? info.NetworkSettings.Ports?.[key] : host.PortBindings?.[key];
  const list = (bindings ?? []) as { HostIp?: string }[];
  const open = list.filter((b) => b.HostIp !== '127.0.0.1').map((b) => b.HostIp || 'every address');
  if (list.length === 0) problems.push(`port ${CODE_SERVER_PORT} not published on 127.0.0.1`);
  if (open.length > 0) problems.push(`port ${CODE_SERVER_PORT} bound to ${[...new Set(open)].join(', ')}, not only 127.0.0.1`);
  return problems;
}

/**
 * Inspects a container just made (or just started, `running`) and refuses it
 * when its hardening did not hold: one line naming each setting. The caller
 * removes the container, so nothing weaker than asked for stays on the host.
 */
export async function requireHardened(
  engine: DockerEngine,
  containerId: string,
  spec: HardeningSpec,
  running: boolean,
): Promise<Docker.ContainerInspectInfo> {
  const info = await engine.call('inspect the container', () => engine.api.getContainer(containerId).inspect());
  const problems = hardeningProblems(info, spec, running);
  if (problems.length === 0) return info;
  throw new SwarmError(
    `${engine.dialect.engine} on ${engine.link.label} did not apply the hardening of ${spec.name}: ${problems.join('; ')}`,
    {
      code: 'internal',
      hint: "It was removed. Check the engine's configuration there (rootless engines on cgroup v1 ignore pids limits; a plugin or socket proxy may rewrite a create)",
    },
  );
}

/** "CAP_NET_RAW", "net_raw" and "NET_RAW" are one capability. */
function capName(cap: string): string {
  return cap.toUpperCase().replace(/^CAP_/, '');
}

function isRoot(user: string): boolean {
  return user === '' || user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:');
}
