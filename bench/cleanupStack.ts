/**
 * Undo steps run last-in first-out, each one even if an earlier one failed:
 * what a benchmark creates on a host must go away on every path out.
 */
export class CleanupStack {
  private readonly steps: { label: string; run: () => unknown }[] = [];
  private running: Promise<string[]> | undefined;

  /** Registers a step; the returned function drops it again (the thing was removed normally). */
  add(label: string, run: () => unknown): () => void {
    const step = { label, run };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  /** Runs every step once; resolves with the failures, never rejects. Safe to call twice. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.run();
        } catch (e) {
          failures.push(`${step.label}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return failures;
    })();
    return this.running;
  }
}
