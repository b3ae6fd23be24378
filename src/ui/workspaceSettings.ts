import * as vscode from 'vscode';
import type { HostAccessOptions } from '../core/hostRegistry.js';
import { readSettings, SETTINGS_SECTION, type Settings, type SettingsReading } from './model/settingsSchema.js';

/** The settings as they are now; read on every use so changes apply without a reload. */
export function currentSettings(): Settings {
  return readCurrentSettings().settings;
}

export function readCurrentSettings(): SettingsReading {
  return readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
}

/**
 * How the core reaches hosts. Unknown host keys are refused here on purpose:
 * the handshake cannot wait for a person, so Add Host catches the
 * `host-key-unknown` error, asks in a modal, trusts the key and retries.
 */
export function hostAccessOptions(settings: Settings): HostAccessOptions {
  return {
    ...(settings.knownHostsFiles.length > 0 ? { knownHostsFiles: settings.knownHostsFiles } : {}),
    ...(settings.sshConfigFile !== '' ? { sshConfigPath: settings.sshConfigFile } : {}),
    onUnknownHostKey: () => false,
    askPassphrase: async (keyPath) =>
      vscode.window.showInputBox({
        title: 'Code Swarm',
        prompt: `Passphrase for the SSH key ${keyPath}`,
        password: true,
        ignoreFocusOut: true,
      }),
  };
}
