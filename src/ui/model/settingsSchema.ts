import type { WorkspaceConfiguration } from 'vscode';
import { z } from 'zod';
import { DEFAULT_CPUS, DEFAULT_IMAGE, DEFAULT_MEMORY } from '../../core/swarm.js';
import { parseIdleTimeout } from '../../core/idleTimeout.js';
import { parseCpus, parseDisk, parseMemory, validateImageRef } from '../../core/validate.js';

/** The `codeSwarm.*` settings, validated. Keys are relative to the `codeSwarm` section. */
export interface Settings {
  readonly defaultImage: string;
  readonly defaultCpus: number;
  readonly defaultMemory: string;
  /** '' for no disk quota. */
  readonly defaultDisk: string;
  /** The image code-server is copied from into images that have none; empty means the host's newest code-server image. */
  readonly codeServerImage: string;
  readonly refreshIntervalSeconds: number;
  readonly healthIntervalSeconds: number;
  readonly openIn: 'simpleBrowser' | 'external';
  readonly statusBarEnabled: boolean;
  /** Follow the engines' events (Docker, LXD) so the tree changes as soon as they do. */
  readonly watchEngineEvents: boolean;
  /** Empty means ~/.ssh/known_hosts. */
  readonly knownHostsFiles: readonly string[];
  /** Empty means ~/.ssh/config. */
  readonly sshConfigFile: string;
  /** New instances' idle timeout: `30m`, `2h`, or `off` (docs/IDLE.md). */
  readonly defaultIdleTimeout: string;
}

export const SETTINGS_SECTION = 'codeSwarm';

/** Settings whose change needs new SSH connections, so a window reload. */
export const RELOAD_SETTINGS = ['knownHostsFiles', 'sshConfigFile'] as const;

/** Turns a core validator that throws into a zod refinement. */
const passes =
  <T>(check: (v: T) => unknown) =>
  (v: T) => {
    try {
      check(v);
      return true;
    } catch {
      return false;
    }
  };

const FIELDS = {
  defaultImage: { key: 'defaultImage', schema: z.string().refine(passes(validateImageRef)), fallback: DEFAULT_IMAGE },
  defaultCpus: { key: 'defaultCpus', schema: z.number().refine(passes(parseCpus)), fallback: DEFAULT_CPUS },
  defaultMemory: { key: 'defaultMemory', schema: z.string().refine(passes(parseMemory)), fallback: DEFAULT_MEMORY },
  defaultDisk: { key: 'defaultDisk', schema: z.string().refine((v) => v.trim() === '' || passes(parseDisk)(v)), fallback: '' },
  codeServerImage: { key: 'codeServerImage', schema: z.string().refine((v) => v === '' || passes(validateImageRef)(v)), fallback: '' },
  // 0 turns polling off; below 5 s it would hammer the hosts for no visible gain.
  refreshIntervalSeconds: {
    key: 'refreshIntervalSeconds',
    schema: z.number().refine((n) => n === 0 || (n >= 5 && n <= 86_400)),
    fallback: 30,
  },
  healthIntervalSeconds: {
    key: 'healthIntervalSeconds',
    schema: z.number().refine((n) => n === 0 || (n >= 5 && n <= 86_400)),
    fallback: 15,
  },
  openIn: { key: 'openIn', schema: z.enum(['simpleBrowser', 'external']), fallback: 'simpleBrowser' as const },
  statusBarEnabled: { key: 'statusBar.enabled', schema: z.boolean(), fallback: true },
  watchEngineEvents: { key: 'watchEngineEvents', schema: z.boolean(), fallback: true },
  knownHostsFiles: { key: 'knownHostsFiles', schema: z.array(z.string().min(1)), fallback: [] as string[] },
  sshConfigFile: { key: 'sshConfigFile', schema: z.string(), fallback: '' },
  defaultIdleTimeout: { key: 'defaultIdleTimeout', schema: z.string().refine(passes(parseIdleTimeout)), fallback: 'off' },
} as const;

export interface SettingsReading {
  readonly settings: Settings;
  /** `codeSwarm.defaultCpus: "many" is not valid, using 2`: for the log. */
  readonly problems: readonly string[];
}

/**
 * Reads through the narrow `get` so tests can pass a plain object. A bad value
 * falls back to its default on its own: one typo must not disable the rest.
 */
export function readSettings(config: Pick<WorkspaceConfiguration, 'get'>): SettingsReading {
  const problems: string[] = [];
  const read = <T>(field: { key: string; schema: z.ZodType<T>; fallback: T }): T => {
    const raw = config.get<unknown>(field.key);
    if (raw === undefined || raw === null) return field.fallback;
    const parsed = field.schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push(`${SETTINGS_SECTION}.${field.key}: ${JSON.stringify(raw)} is not valid, using ${JSON.stringify(field.fallback)}`);
    return field.fallback;
  };
  const settings: Settings = {
    defaultImage: read(FIELDS.defaultImage),
    defaultCpus: read(FIELDS.defaultCpus),
    defaultMemory: read(FIELDS.defaultMemory),
    defaultDisk: read(FIELDS.defaultDisk).trim(),
    codeServerImage: read(FIELDS.codeServerImage),
    refreshIntervalSeconds: read(FIELDS.refreshIntervalSeconds),
    healthIntervalSeconds: read(FIELDS.healthIntervalSeconds),
    openIn: read(FIELDS.openIn),
    statusBarEnabled: read(FIELDS.statusBarEnabled),
    watchEngineEvents: read(FIELDS.watchEngineEvents),
    knownHostsFiles: read(FIELDS.knownHostsFiles),
    sshConfigFile: read(FIELDS.sshConfigFile).trim(),
    defaultIdleTimeout: read(FIELDS.defaultIdleTimeout).trim(),
  };
  return { settings, problems };
}

/** Every settings key this module reads, for the package.json test. */
export const SETTING_KEYS: readonly string[] = Object.values(FIELDS).map((f) => `${SETTINGS_SECTION}.${f.key}`);

export const SETTING_DEFAULTS: Readonly<Record<string, unknown>> = Object.fromEntries(
  Object.values(FIELDS).map((f) => [`${SETTINGS_SECTION}.${f.key}`, f.fallback]),
);
