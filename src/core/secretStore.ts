/**
 * Where instance passwords live: VS Code's SecretStorage in the extension, a
 * private file for the CLI. Keys look like `instance/<id>/password`.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
