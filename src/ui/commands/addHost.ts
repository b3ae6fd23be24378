import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { toSwarmError } from '../../shared/errors.js';
import { HOST_NAME_MAX } from '../../shared/model.js';
import type { AddHostInput } from '../../core/swarm.js';
import { parseSshTarget, validateHostName } from '../../core/validate.js';
import { listSshAliases } from '../../core/sshAliases.js';
import { suggestName } from '../model/suggestName.js';
import { validationProblem } from '../model/validationProblem.js';
import type { Services } from '../services.js';
import { inputStep } from '../wizard/inputStep.js';
import { pickStep } from '../wizard/pickStep.js';
import { BACK, runWizard, type WizardStep } from '../wizard/runWizard.js';
import { cancelled } from '../cancelled.js';
import { addHostWithTrust } from './addHostWithTrust.js';
import { checkBeforeAdd } from './checkBeforeAdd.js';
import type { CommandHandler } from './commandHandler.js';

type Target = { readonly kind: 'alias'; readonly alias: string } | { readonly kind: 'typed'; readonly text: string; readonly host: string };

interface TargetItem extends vscode.QuickPickItem {
  readonly target: Target | undefined;
}

interface State {
  target?: Target;
  identityFile?: string;
  name?: string;
}

/**
 * Add SSH Host: pick an ~/.ssh/config alias or type user@host[:port]
 * (validated as you type), choose the key for a typed target, name it; the
 * core probes for Docker or LXD and saves the host only if that works.
 */
export const addHost: CommandHandler = async (services) => {
  const settings = services.settings();
  const hosts = await services.swarm.hosts();
  const taken = new Set(hosts.map((h) => h.name));
  const aliasItems = await sshAliasItems(
    services,
    settings.sshConfigFile,
    hosts.map((h) => ({ name: h.name, address: h.address })),
  );

  const steps: WizardStep<State>[] = [
    {
      run: async (state, at) => {
        const item = await pickStep<TargetItem>(at, {
          placeholder: aliasItems.length > 0 ? 'Pick a host from your SSH config, or type user@host[:port]' : 'Type user@host[:port]',
          items: aliasItems,
          typedItem: (value) => (aliasItems.some((a) => a.label === value) ? undefined : typedTargetItem(value)),
          accepts: (i) => i.target !== undefined,
        });
        if (item === BACK) return BACK;
        state.target = item.target;
      },
    },
    {
      skip: (state) => state.target?.kind !== 'typed',
      run: async (state, at) => {
        for (;;) {
          const item = await pickStep(at, {
            placeholder: 'Which key logs in?',
            items: [
              { label: 'Default keys and ssh-agent', description: '~/.ssh/id_ed25519, id_ecdsa, id_rsa', file: false },
              { label: 'Choose a private key file…', file: true },
            ],
          });
          if (item === BACK) return BACK;
          if (!item.file) {
            delete state.identityFile;
            return;
          }
          const picked = await vscode.window.showOpenDialog({
            title: 'Private key for the SSH host',
            defaultUri: vscode.Uri.file(join(homedir(), '.ssh')),
            canSelectFiles: true,
            canSelectFolders: false,
            canSelectMany: false,
            openLabel: 'Use This Key',
          });
          if (picked?.[0]) {
            state.identityFile = picked[0].fsPath;
            return;
          }
        }
      },
    },
    {
      run: async (state, at) => {
        const base = state.target?.kind === 'alias' ? state.target.alias : (state.target?.host.split('.')[0] ?? 'host');
        const value = await inputStep(at, {
          prompt: 'A name for this host in Code Swarm',
          value: state.name ?? suggestName(base, taken, HOST_NAME_MAX, 'host'),
          validate: (v) => (taken.has(v) ? `A host named ${v} already exists` : validationProblem(() => validateHostName(v))),
        });
        if (value === BACK) return BACK;
        state.name = value;
      },
    },
  ];
  const state = await runWizard<State>('Code Swarm: Add SSH Host', {}, steps);
  const target = state.target!;
  const input: AddHostInput =
    target.kind === 'alias'
      ? { name: state.name!, ssh: target.alias }
      : { name: state.name!, ssh: target.text, ...(state.identityFile ? { identityFile: state.identityFile } : {}) };
  if (!(await checkBeforeAdd(services, input))) throw cancelled();
  const host = await addHostWithTrust(services, input);
  services.log.info(`Added host ${host.name} (${host.provider}, ${host.address})`);
  void vscode.window.showInformationMessage(`Added ${host.name} (${host.engineVersion ?? host.provider}, ${host.address}).`);
  // Instances already on the host (labelled by this store) show up at once.
  void services.poller.refreshNow();
};

function typedTargetItem(value: string): TargetItem {
  try {
    const t = parseSshTarget(value);
    // Not the bare text: an exact label would outrank an ssh alias that merely starts with it.
    return {
      label: `Connect to ${value}`,
      // The same fallback user the core applies.
      detail: `as ${t.user ?? process.env.USER ?? 'root'} at ${t.host}, port ${t.port}`,
      alwaysShow: true,
      target: { kind: 'typed', text: value, host: t.host },
    };
  } catch (e) {
    return { label: `$(error) ${value}`, detail: toSwarmError(e).oneLine(), alwaysShow: true, target: undefined };
  }
}

async function sshAliasItems(
  services: Services,
  configFile: string,
  hosts: readonly { name: string; address: string }[],
): Promise<TargetItem[]> {
  try {
    const aliases = await listSshAliases(configFile === '' ? undefined : configFile);
    return aliases.map((r) => {
      const address = `${r.user ?? process.env.USER ?? 'root'}@${r.hostName}:${r.port}`;
      const added = hosts.find((h) => h.address === address);
      return {
        label: r.alias,
        description: `${r.user ? `${r.user}@` : ''}${r.hostName}${r.port === 22 ? '' : `:${r.port}`}`,
        ...(added ? { detail: `already added as ${added.name}` } : {}),
        iconPath: new vscode.ThemeIcon('remote'),
        target: { kind: 'alias', alias: r.alias } as const,
      };
    });
  } catch (e) {
    // A broken ssh config must not block typing a target by hand.
    services.log.warn(`Cannot read the SSH config: ${toSwarmError(e).oneLine()}`);
    return [];
  }
}
