/**
 * Instances with an operation of this Swarm in flight. Engine events about
 * them are left to the operation: it reports its own outcome, and a list in
 * the middle of it would show a passing state (a container being deleted as
 * missing). Marked by id and by name, since an event may carry either.
 */
export class BusyMarks {
  /** `id:…` and `name:…` → how many operations hold it. */
  private readonly held = new Map<string, number>();

  /** Marks an instance as being operated on until the returned function is called (once; more calls do nothing). */
  mark(id: string, name: string): () => void {
    const keys = [`id:${id}`, `name:${name}`];
    for (const k of keys) this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of keys) {
        const left = (this.held.get(k) ?? 1) - 1;
        if (left > 0) this.held.set(k, left);
        else this.held.delete(k);
      }
    };
  }

  /** Whether an engine change names an instance under an operation. */
  covers(change: { readonly id: string | undefined; readonly name: string | undefined }): boolean {
    return (
      (change.id !== undefined && this.held.has(`id:${change.id}`)) || (change.name !== undefined && this.held.has(`name:${change.name}`))
    );
  }
}
