/** What the tree showed (or will show), reduced to ids and a signature per row. */
export interface TreeShape {
  readonly hosts: readonly {
    readonly name: string;
    readonly signature: string;
    readonly instances: readonly { readonly id: string; readonly signature: string }[];
  }[];
}

/** The rows to re-render: the whole tree, whole hosts (row and children), or single instances. */
export interface TreeDiff {
  readonly root: boolean;
  readonly hosts: readonly string[];
  readonly instances: readonly string[];
}

export const EMPTY_SHAPE: TreeShape = { hosts: [] };

export function isEmptyDiff(d: TreeDiff): boolean {
  return !d.root && d.hosts.length === 0 && d.instances.length === 0;
}

/**
 * Compares two shapes so the provider can fire onDidChangeTreeData for the
 * changed rows only. A host whose set of instances changed is re-rendered as a
 * whole (VS Code then asks for its children again); an instance is fired
 * alone only when its host did not already cover it.
 */
export function diffTree(prev: TreeShape, next: TreeShape): TreeDiff {
  if (
    !sameList(
      prev.hosts.map((h) => h.name),
      next.hosts.map((h) => h.name),
    )
  )
    return { root: true, hosts: [], instances: [] };
  const hosts: string[] = [];
  const instances: string[] = [];
  next.hosts.forEach((h, i) => {
    const before = prev.hosts[i]!;
    if (
      before.signature !== h.signature ||
      !sameList(
        before.instances.map((x) => x.id),
        h.instances.map((x) => x.id),
      )
    ) {
      hosts.push(h.name);
      return;
    }
    h.instances.forEach((inst, j) => {
      if (before.instances[j]!.signature !== inst.signature) instances.push(inst.id);
    });
  });
  return { root: false, hosts, instances };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
