/** What `${…}` in a devcontainer.json can name here (containers.dev/implementors/json_reference, "Variables"). */
export interface Substitution {
  readonly localEnv: NodeJS.ProcessEnv;
  /** The project folder on this machine. */
  readonly localWorkspaceFolder: string;
  /** Where the workspace is in the instance. */
  readonly containerWorkspaceFolder: string;
}

const VARIABLE = /\$\{([^}]*)\}/g;

/**
 * Fills in the variables Code Swarm knows. One it does not know (e.g.
 * `${containerEnv:PATH}`, which needs the running container) makes the whole
 * value unusable: it is reported as `field (${name})` and undefined is
 * returned, so the caller leaves the value out. Without a list to report to
 * (a command, where `${VAR}` is the shell's), unknown ones stay as written.
 */
export function substitute(value: string, vars: Substitution, field: string, unsupported: string[] | undefined): string | undefined {
  let unknown: string | undefined;
  const out = value.replace(VARIABLE, (whole, inner: string) => {
    const known = lookup(inner, vars);
    if (known === undefined) unknown ??= whole;
    return known ?? whole;
  });
  if (unknown === undefined || unsupported === undefined) return out;
  unsupported.push(`${field} (${unknown})`);
  return undefined;
}

function lookup(inner: string, vars: Substitution): string | undefined {
  const [kind = '', name, ...rest] = inner.split(':');
  switch (kind) {
    case 'localWorkspaceFolder':
      return vars.localWorkspaceFolder;
    case 'localWorkspaceFolderBasename':
      return basename(vars.localWorkspaceFolder);
    case 'containerWorkspaceFolder':
      return vars.containerWorkspaceFolder;
    case 'containerWorkspaceFolderBasename':
      return basename(vars.containerWorkspaceFolder);
    case 'localEnv':
    case 'env':
      // `${localEnv:NAME:default}`: the default may itself hold ':'.
      return name === undefined || name === '' ? undefined : (vars.localEnv[name] ?? rest.join(':'));
    default:
      return undefined;
  }
}

function basename(path: string): string {
  return (
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? ''
  );
}
