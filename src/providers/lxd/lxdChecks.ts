import { z } from 'zod';
import { GiB } from '../common/hostFacts.js';
import { socketAccess, socketState } from '../common/socketAccess.js';
import { type CheckContext, error, type Finding, type HostCheck, NotChecked, ok, warning } from '../hostCheck.js';
import { isNotFound, type LxdDaemon } from './lxdDaemon.js';
import { ProfileSchema, quotaProblemOf, rootPoolOf } from './lxdQuota.js';
import { quotaFinding } from '../common/quotaFinding.js';
import { qgroupFindings } from './lxdQgroups.js';

const ServerSchema = z.object({
  api_version: z.string().optional(),
  environment: z
    .object({
      server: z.string().optional(),
      server_version: z.string().optional(),
      driver: z.string().optional(),
      storage: z.string().optional(),
    })
    .nullish(),
});

const PoolSchema = z.object({ driver: z.string().optional(), status: z.string().optional() });
const ResourcesSchema = z.object({ space: z.object({ used: z.number().optional(), total: z.number().optional() }).optional() });

const DISK_ERROR_BYTES = 1 * GiB;
const DISK_WARNING_BYTES = 5 * GiB;

export { rootPoolOf };

/** Free space of a pool from its resources (total − used), as a finding. */
export function poolFinding(pool: string, driver: string | undefined, resources: z.infer<typeof ResourcesSchema>): Finding {
  const { used, total } = resources.space ?? {};
  const where = `storage pool ${pool}${driver ? ` (${driver})` : ''}`;
  if (total === undefined || used === undefined) return ok('lxd.storage', `${where}: free space unknown`);
  const free = total - used;
  const text = `${where}: ${(free / GiB).toFixed(1)} GiB free`;
  if (free < DISK_ERROR_BYTES) return error('lxd.storage', `${text}: creates will fail; free some space`);
  if (free < DISK_WARNING_BYTES) return warning('lxd.storage', `${text}: an instance copies its whole image`);
  return ok('lxd.storage', text);
}

/** LXD (or Incus) behind its socket, as the doctor sees it. */
export function lxdChecks(daemon: LxdDaemon): readonly HostCheck[] {
  const socketOf = async () => {
    const path = await daemon.resolveSocket();
    const incus = path.includes('incus');
    return { engine: incus ? 'Incus' : 'LXD', path, group: incus ? 'incus-admin' : 'lxd', otherProvider: 'Docker' };
  };
  /** The API, once this login may use the socket: otherwise that is lxd.socket's finding. */
  const api = async (ctx: CheckContext) => {
    const s = await socketOf();
    if (!(await socketState(ctx, s.path)).usable) throw new NotChecked(`the ${s.engine} socket is not usable (lxd.socket)`);
    return daemon.api();
  };
  return [
    {
      id: 'lxd.socket',
      async run(ctx) {
        try {
          return [await socketAccess(ctx, 'lxd.socket', await socketOf())];
        } catch (e) {
          return [error('lxd.socket', e instanceof Error ? e.message : String(e))];
        }
      },
    },
    {
      id: 'lxd.engine',
      async run(ctx) {
        const info = await (await api(ctx)).get('/1.0', ServerSchema);
        const env = info.environment;
        const name = env?.server === 'incus' ? 'Incus' : 'LXD';
        return [
          ok(
            'lxd.engine',
            `${name} ${env?.server_version ?? '(version unknown)'} (API ${info.api_version ?? '?'}, ${env?.driver ?? 'lxc'})`,
          ),
        ];
      },
    },
    {
      id: 'lxd.storage',
      async run(ctx) {
        const client = await api(ctx);
        const pool = rootPoolOf(await client.get('/1.0/profiles/default', ProfileSchema));
        if (!pool) return [error('lxd.storage', 'the default profile has no root disk: lxd init (or a preseed) must give it one')];
        const p = await client.get(`/1.0/storage-pools/${encodeURIComponent(pool)}`, PoolSchema);
        const resources = await client.get(`/1.0/storage-pools/${encodeURIComponent(pool)}/resources`, ResourcesSchema);
        // The pool just read also says whether --disk holds on it.
        return [poolFinding(pool, p.driver, resources), quotaFinding('lxd.quota', quotaProblemOf({ pool, driver: p.driver }))];
      },
    },
    {
      id: 'lxd.qgroups',
      async run(ctx) {
        return qgroupFindings(ctx, await api(ctx), await daemon.resolveSocket());
      },
    },
    {
      id: 'lxd.image',
      async run(ctx) {
        const client = await api(ctx);
        try {
          await client.get(`/1.0/images/aliases/${encodeURIComponent(ctx.image)}`, z.object({ target: z.string() }));
          return [ok('lxd.image', `image alias ${ctx.image} is on the host`)];
        } catch (e) {
          if (!isNotFound(e)) throw e;
          return [
            error(
              'lxd.image',
              `no image alias ${ctx.image} on the host: import one with code-server in it (lxc image import … --alias ${ctx.image}, or lxc publish)`,
            ),
          ];
        }
      },
    },
  ];
}
