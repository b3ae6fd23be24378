import { ProviderKindSchema, type ProviderKind } from '../../shared/model.js';
import type { UnknownHostKey } from '../../transport/sshTypes.js';
import { defineCommand, invalidInput } from '../command.js';
import { hostJson } from '../output.js';

export const hostsAdd = defineCommand({
  name: 'hosts add',
  usage: 'hosts add NAME --ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd|podman] [--jump USER@HOST[:PORT][,...]] | --local',
  args: 1,
  options: {
    ssh: { type: 'string' },
    local: { type: 'boolean' },
    identity: { type: 'string' },
    jump: { type: 'string' },
    provider: { type: 'string' },
  },
  check(v) {
    if ((v.local === true) === (v.ssh !== undefined)) throw invalidInput('Give exactly one of --ssh USER@HOST[:PORT] or --local');
    if (v.provider !== undefined && !ProviderKindSchema.safeParse(v.provider).success) {
      throw invalidInput(
        `Unknown provider "${v.provider}"`,
        `Use --provider ${ProviderKindSchema.options.slice(0, -1).join(', ')} or ${ProviderKindSchema.options.at(-1)}`,
      );
    }
  },
  async run({ swarm, out, args: [name], values: v }) {
    const seen: UnknownHostKey[] = [];
    const host = await swarm.addHost(
      v.local
        ? { name, local: true }
        : {
            name,
            ssh: v.ssh!,
            ...(v.identity ? { identityFile: v.identity } : {}),
            ...(v.provider ? { provider: v.provider as ProviderKind } : {}),
            ...(v.jump ? { proxyJump: v.jump } : {}),
          },
      { onUnknownHostKey: (k) => (seen.push(k), v['accept-new-host-key'] === true) },
    );
    out.data(hostJson(host), () =>
      [
        ...seen.map((k) => `Trusted new host key ${k.keyType} ${k.fingerprint} for ${k.host}:${k.port}`),
        `Added ${host.name} (${host.provider}, ${host.address})`,
      ].join('\n'),
    );
  },
});
