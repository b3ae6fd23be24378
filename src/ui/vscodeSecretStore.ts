import type { SecretStorage } from 'vscode';
import type { SecretStore } from '../core/secretStore.js';

/**
 * The core's SecretStore over VS Code's SecretStorage (the OS keychain, or
 * code-server's encrypted store): instance passwords never touch the
 * swarm.json metadata file.
 */
export class VscodeSecretStore implements SecretStore {
  constructor(private readonly secrets: SecretStorage) {}

  async get(key: string): Promise<string | undefined> {
    return this.secrets.get(key);
  }

  async set(key: string, value: string): Promise<void> {
    await this.secrets.store(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.secrets.delete(key);
  }
}
