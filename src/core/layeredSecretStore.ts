import type { SecretStore } from './secretStore.js';

/**
 * Writes go to the primary store; reads fall back to the secondary. The
 * extension uses SecretStorage as primary and the CLI's file in the same
 * state directory as secondary, so one swarm shared by both can open the
 * instances either of them created.
 */
export class LayeredSecretStore implements SecretStore {
  constructor(
    private readonly primary: SecretStore,
    private readonly secondary: SecretStore,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.primary.get(key)) ?? (await this.secondary.get(key));
  }

  async set(key: string, value: string): Promise<void> {
    await this.primary.set(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.primary.delete(key);
    await this.secondary.delete(key);
  }
}
