import type { SecretStore } from '../../../../src/core/secretStore.js';

/** Secrets in a Map, with every key ever set kept for the test to look back on. */
export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  readonly everSet: string[] = [];
  /** Makes every set() fail with this (a read-only state directory). */
  failSets: Error | undefined;

  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    if (this.failSets) throw this.failSets;
    this.everSet.push(key);
    this.values.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  /** The keys held now for an instance id. */
  keysOf(id: string): string[] {
    return [...this.values.keys()].filter((k) => k.startsWith(`instance/${id}/`));
  }
}
