import { z } from 'zod';

// Only the fields we read are checked; LXD adds fields with every release.
const StringMap = z.record(z.string(), z.string());

export const LxdInstanceSchema = z.object({
  name: z.string(),
  status: z.string(),
  config: StringMap.nullish(),
  devices: z.record(z.string(), StringMap).nullish(),
  expanded_devices: z.record(z.string(), StringMap).nullish(),
  created_at: z.string().optional(),
  last_used_at: z.string().optional(),
});
export type LxdInstance = z.infer<typeof LxdInstanceSchema>;

export const LxdStateSchema = z.object({
  status: z.string(),
  cpu: z.object({ usage: z.number() }).nullish(),
  memory: z.object({ usage: z.number() }).nullish(),
  network: z
    .record(z.string(), z.object({ counters: z.object({ bytes_received: z.number(), bytes_sent: z.number() }).nullish() }))
    .nullish(),
  processes: z.number().nullish(),
  // Per disk device; `usage` only where the pool can tell (btrfs, zfs, lvm; not dir).
  disk: z.record(z.string(), z.object({ usage: z.number().nullish() })).nullish(),
});
export type LxdState = z.infer<typeof LxdStateSchema>;
export const LxdFullInstanceSchema = LxdInstanceSchema.extend({ state: LxdStateSchema.nullish() });
export const LxdSnapshotSchema = z.object({ name: z.string(), created_at: z.string(), config: StringMap.nullish() });
export type LxdSnapshot = z.infer<typeof LxdSnapshotSchema>;
export const LxdServerSchema = z.object({
  environment: z.object({ server: z.string().optional(), server_version: z.string().optional() }).nullish(),
});
