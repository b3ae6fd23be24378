import type { SecretStore } from '../../src/core/secretStore.js';
import { recordPassword } from './suiteArtifacts.js';

const PASSWORD_KEY = /^instance\/[^/]+\/password$/;

/**
 * A SecretStore that notes every instance password it is given in the suite's
 * ledger before storing it: deleting an instance forgets its password, and the
 * audit must still look for it afterwards.
 */
export class RecordingSecretStore implements SecretStore {
  constructor(
    private readonly inner: SecretStore,
    private readonly source: string,
  ) {}

  get(key: string): Promise<string | undefined> {
    return this.inner.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    if (PASSWORD_KEY.test(key)) recordPassword(`${this.source} ${key}`, value);
    await this.inner.set(key, value);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}
