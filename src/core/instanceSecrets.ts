import type { SecretStore } from './secretStore.js';

const passwordKey = (id: string) => `instance/${id}/password`;
/** The exact password hash given to code-server: its session cookie value. */
const sessionKey = (id: string) => `instance/${id}/session`;

/** An instance's password and session cookie, under the keys the secret stores have always used. */
export class InstanceSecrets {
  constructor(private readonly secrets: SecretStore) {}

  async save(id: string, password: string, sessionHash: string): Promise<void> {
    await this.secrets.set(passwordKey(id), password);
    await this.secrets.set(sessionKey(id), sessionHash);
  }

  password(id: string): Promise<string | undefined> {
    return this.secrets.get(passwordKey(id));
  }

  session(id: string): Promise<string | undefined> {
    return this.secrets.get(sessionKey(id));
  }

  async forget(id: string): Promise<void> {
    await this.secrets.delete(passwordKey(id));
    await this.secrets.delete(sessionKey(id));
  }
}
