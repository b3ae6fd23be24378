import type { UnknownHostKey } from '../../transport/sshTypes.js';
import { defineCommand, invalidInput } from '../command.js';
import { providerOption } from '../providerOption.js';
import { hostJson } from '../output.js';

export const hostsAdd = defineCommand({
  name: 'hosts add',
  usage:
    'hosts add NAME --ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd|podman|swarm] [--jump USER@HOST[:PORT][,...]] | --local [--provider docker|swarm] [--overlay encrypted|plain]',
  args: 1,
  options: {
    ssh: { type: 'string' },
    local: { type: 'boolean' },
    identity: { type: 'string' },
    jump: { type: 'string' },
    provider: { type: 'string' },
    overlay: { type: 'string' },
  },
  check(v) {
    if ((v.local === true) === (v.ssh !== undefined)) throw invalidInput('Give exactly one of --ssh USER@HOST[:PORT] or --local');
    providerOption(v.provider);
    if (v.local === true && (v.provider === 'lxd' || v.provider === 'podman'))
      throw invalidInput('A --local host is a Docker engine', 'Use --provider docker or swarm with --local');
    if (v.overlay !== undefined && v.provider !== 'swarm')
      throw invalidInput('--overlay is for Swarm hosts', 'Add --provider swarm, or leave out --overlay');
    if (v.overlay !== undefined && v.overlay !== 'encrypted' && v.overlay !== 'plain') {
      throw invalidInput(
        `Unknown overlay "${v.overlay}"`,
        'Use --overlay encrypted (the default) or --overlay plain (a kernel without IPsec ESP)',
      );
    }
  },
  async run({ swarm, out, args: [name], values: v }) {
    const seen: UnknownHostKey[] = [];
    const host = await swarm.addHost(
      v.local
        ? {
            name,
            local: true,
            ...(v.provider ? { provider: v.provider as 'docker' | 'swarm' } : {}),
            ...(v.overlay ? { swarmOverlay: v.overlay as 'encrypted' | 'plain' } : {}),
          }
        : {
            name,
            ssh: v.ssh!,
            ...(v.identity ? { identityFile: v.identity } : {}),
            ...(v.provider ? { provider: providerOption(v.provider) } : {}),
            ...(v.jump ? { proxyJump: v.jump } : {}),
            ...(v.overlay ? { swarmOverlay: v.overlay as 'encrypted' | 'plain' } : {}),
          },
      { onUnknownHostKey: (k) => (seen.push(k), v['accept-new-host-key'] === true) },
    );
    out.data(hostJson(host), () =>
      [
        ...seen.map((k) => `Trusted new host key ${k.keyType} ${k.fingerprint} for ${k.host}:${k.port}`),
        `Added ${host.name} (${host.provider}, ${host.address})`,
        ...(host.note !== undefined ? [`Note: ${host.note}`] : []),
      ].join('\n'),
    );
  },
});
