import { z } from 'zod';

/**
 * The parts of devcontainer.json (containers.dev/implementors/json_reference)
 * Code Swarm turns into a create. Each object is loose: a key we do not
 * take is reported by name (devcontainerFile.ts), never an error.
 */
const Command = z.union([z.string().min(1), z.array(z.string()).min(1)]);

export const DevcontainerBuildSchema = z.looseObject({
  dockerfile: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  args: z.record(z.string(), z.string()).optional(),
});

export const DevcontainerMountSchema = z.union([
  z.string().min(1),
  z.looseObject({
    source: z.string().optional(),
    target: z.string().min(1),
    type: z.string().min(1),
    readonly: z.boolean().optional(),
  }),
]);

export const HostRequirementsSchema = z.looseObject({
  cpus: z.number().int().positive().optional(),
  memory: z.string().min(1).optional(),
  gpu: z.union([z.boolean(), z.literal('optional'), z.looseObject({})]).optional(),
});

export const DevcontainerSchema = z.looseObject({
  image: z.string().min(1).optional(),
  build: DevcontainerBuildSchema.optional(),
  /** The older spelling of build.dockerfile / build.context, still common. */
  dockerFile: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  containerEnv: z.record(z.string(), z.string()).optional(),
  /** null unsets a variable for the tools: here it is simply not set. */
  remoteEnv: z.record(z.string(), z.string().nullable()).optional(),
  remoteUser: z.string().min(1).optional(),
  containerUser: z.string().min(1).optional(),
  mounts: z.array(DevcontainerMountSchema).optional(),
  postCreateCommand: z.union([Command, z.record(z.string(), Command)]).optional(),
  forwardPorts: z.array(z.union([z.number(), z.string()])).optional(),
  hostRequirements: HostRequirementsSchema.optional(),
  customizations: z.looseObject({}).optional(),
});
export type Devcontainer = z.infer<typeof DevcontainerSchema>;

/** The keys the schema above takes (build and hostRequirements report their own unknown keys). */
export const TAKEN_KEYS: ReadonlySet<string> = new Set(Object.keys(DevcontainerSchema.shape));

/**
 * Keys that only matter to a desktop editor or to how Dev Containers itself
 * attaches, with nothing for an instance to do: not reported, they would only be noise.
 */
export const SILENT_KEYS: ReadonlySet<string> = new Set([
  '$schema',
  'name',
  'portsAttributes',
  'otherPortsAttributes',
  'shutdownAction',
  'overrideCommand',
  'waitFor',
  'userEnvProbe',
  'updateRemoteUserUID',
  // Older editor-only spellings of customizations.vscode.*.
  'settings',
]);

export const BUILD_KEYS: ReadonlySet<string> = new Set(Object.keys(DevcontainerBuildSchema.shape));
export const HOST_REQUIREMENT_KEYS: ReadonlySet<string> = new Set(Object.keys(HostRequirementsSchema.shape));
