import * as vscode from 'vscode';
import { INSTANCE_NAME_MAX } from '../../shared/model.js';
import type { CreateInput, HostResources } from '../../core/swarm.js';
import type { HostView } from '../../core/views.js';
import { instanceNameProblem, parseCpus, parseMemory } from '../../core/validate.js';
import { validatePlacement } from '../../core/validatePlacement.js';
import { hostChoices } from '../model/hostChoices.js';
import { checkImageChoice, imageChoiceInput, isDockerfilePath } from '../model/imageChoice.js';
import { defaultMoreOptions, moreOptionsInput, type MoreOptions } from '../model/moreOptions.js';
import { suggestName } from '../model/suggestName.js';
import { validationProblem } from '../model/validationProblem.js';
import { HostNode } from '../tree/hostNode.js';
import { inputStep } from '../wizard/inputStep.js';
import { moreOptionsStep } from '../wizard/moreOptionsStep.js';
import { pickStep } from '../wizard/pickStep.js';
import { BACK, runWizard } from '../wizard/runWizard.js';
import type { CommandHandler } from './commandHandler.js';
import { hostItem, noHosts } from './pickHost.js';

interface State {
  host: string | undefined;
  name: string | undefined;
  image: string;
  cpus: string;
  memory: string;
  /** Swarm hosts only: '' lets Swarm choose; a node name, or a constraint (has == or !=). */
  placement: string;
  /** The "More options…" button was pressed: its page follows the last step. */
  more: boolean;
  options: MoreOptions;
}

/** The wizard's one placement field as create's input: a constraint has an operator, a node name has none. */
function placementInput(text: string): { node?: string; constraint?: string } {
  const t = text.trim();
  if (t === '') return {};
  return /[=!]=/.test(t) ? { constraint: t } : { node: t };
}

/**
 * Host, name, image, CPUs, memory, each validated as typed; then a
 * cancellable progress notification. The new row appears at once as
 * `starting` (the core records it before creating) and turns healthy while
 * this waits for code-server to answer.
 */
export const createInstance: CommandHandler = async (services, node) => {
  const settings = services.settings();
  const hosts = await services.swarm.hosts();
  if (hosts.length === 0) throw noHosts();
  const taken = new Set((await services.swarm.views()).map((v) => v.name));
  const preset = node instanceof HostNode ? node.name : typeof node === 'string' && hosts.some((h) => h.name === node) ? node : undefined;
  // The figures of the last stats round show at once; fresh ones (capacity asked now) replace them when they come.
  const { items, activeItem } = hostPickItems(hosts, services.swarm.latestResources.hosts);
  const fresh =
    preset === undefined
      ? services.swarm.hostResources().then(
          (list) => hostPickItems(hosts, new Map(list.map((r) => [r.name, r]))),
          (e: unknown) => {
            services.log.debug(`No host capacity for the wizard: ${String(e)}`);
            return undefined;
          },
        )
      : undefined;

  const state = await runWizard<State>(
    'Code Swarm: Create Instance',
    {
      host: preset,
      name: undefined,
      image: settings.defaultImage,
      cpus: String(settings.defaultCpus),
      memory: settings.defaultMemory,
      placement: '',
      more: false,
      options: defaultMoreOptions(settings.defaultIdleTimeout, settings.defaultDisk),
    },
    [
      {
        skip: () => preset !== undefined,
        run: async (s, at) => {
          const picked = await pickStep(at, {
            placeholder: 'Host to run the instance on',
            items,
            activeItem: items.find((i) => i.host.name === s.host) ?? activeItem,
            ...(fresh && s.host === undefined ? { later: fresh } : {}),
          });
          if (picked === BACK) return BACK;
          s.host = picked.host.name;
        },
      },
      {
        run: async (s, at) => {
          const v = await inputStep(at, {
            prompt: `Instance name on ${s.host}: lowercase letters, digits and '-'`,
            value: s.name ?? suggestName('code', taken, INSTANCE_NAME_MAX),
            validate: (x) => instanceNameProblem(x) ?? (taken.has(x) ? `An instance named ${x} already exists` : undefined),
          });
          if (v === BACK) return BACK;
          s.name = v;
        },
      },
      {
        run: async (s, at) => {
          const v = await inputStep(at, {
            prompt:
              'Image (code-server is brought in if it has none), or the absolute path of a Dockerfile or a devcontainer.json to build on the host',
            value: s.image,
            validate: (x) => validationProblem(() => checkImageChoice(x.trim())),
          });
          if (v === BACK) return BACK;
          s.image = v.trim();
        },
      },
      {
        run: async (s, at) => {
          const v = await inputStep(at, {
            prompt: 'CPUs (e.g. 2 or 1.5)',
            value: s.cpus,
            validate: (x) => validationProblem(() => parseCpus(x)),
          });
          if (v === BACK) return BACK;
          s.cpus = v.trim();
        },
      },
      {
        run: async (s, at) => {
          const v = await inputStep(at, {
            prompt: 'Memory (e.g. 512m, 2g); the gear button: more options (env, mounts, tags, GPUs, idle timeout, build)',
            value: s.memory,
            validate: (x) => validationProblem(() => parseMemory(x)),
            more: { tooltip: 'More options…', chosen: () => (s.more = true) },
          });
          if (v === BACK) return BACK;
          s.memory = v.trim();
        },
      },
      {
        // Only a Swarm host has nodes to choose from.
        skip: (s) => hosts.find((h) => h.name === s.host)?.provider !== 'swarm',
        run: async (s, at) => {
          const host = hosts.find((h) => h.name === s.host);
          const v = await inputStep(at, {
            prompt: 'Node on the cluster: empty lets Swarm choose; a node name, or a constraint such as node.labels.gpu==true',
            value: s.placement,
            validate: (x) => (host ? validationProblem(() => validatePlacement(placementInput(x), host)) : undefined),
          });
          if (v === BACK) return BACK;
          s.placement = v.trim();
        },
      },
      {
        skip: (s) => !s.more,
        run: async (s, at) => {
          const host = hosts.find((h) => h.name === s.host);
          if (!host) return undefined;
          const dockerfile = isDockerfilePath(s.image) ? s.image : undefined;
          const v = await moreOptionsStep(at, s.options, { host, dockerfile });
          if (v === BACK) return BACK;
          s.options = v;
        },
      },
    ],
  );

  const input: CreateInput = {
    name: state.name!,
    host: state.host!,
    ...imageChoiceInput(state.image),
    cpus: state.cpus,
    memory: state.memory,
    ...placementInput(state.placement),
    // Untouched, these are the defaults: the idle timeout setting, and a build from the Dockerfile's own folder.
    ...moreOptionsInput(state.options, isDockerfilePath(state.image) ? state.image : undefined),
  };
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Creating ${input.name} on ${input.host}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const onCancel = token.onCancellationRequested(() => abort.abort());
      try {
        let done = 0;
        const created = await services.swarm.create(input, {
          signal: abort.signal,
          // A build's full output goes to the output channel; its steps show in the notification.
          onLog: (line) => services.log.info(`[build ${input.name}] ${line}`),
          onProgress: (message, fraction) => {
            // withProgress wants increments in percent; the core reports a fraction of the whole.
            const increment = fraction === undefined ? undefined : Math.max(0, Math.round(fraction * 100) - done);
            if (increment !== undefined) done += increment;
            progress.report({ message, ...(increment !== undefined ? { increment } : {}) });
          },
        });
        // What a devcontainer.json asked that was not done is said, not dropped (docs/DEVCONTAINER.md).
        if (created.unsupported !== undefined && created.unsupported.length > 0) {
          void vscode.window.showWarningMessage(`${input.name}: not supported, left out: ${created.unsupported.join(', ')}`);
        }
        progress.report({ message: 'waiting for code-server to answer' });
        await services.swarm.waitHealthy(input.name, { timeoutMs: 180_000, signal: abort.signal });
      } finally {
        onCancel.dispose();
      }
    },
  );
  services.log.info(
    `Created ${input.name} on ${input.host} (${input.image ?? `built from ${state.image}`}, ${input.cpus} CPUs, ${input.memory})`,
  );
  void vscode.window.showInformationMessage(`${input.name} is running and healthy.`, 'Open').then((choice) => {
    if (choice === 'Open') return vscode.commands.executeCommand('codeSwarm.openInstance', input.name);
    return undefined;
  });
};

/** The hosts, most room first, the one with the most room proposed. */
function hostPickItems(hosts: readonly HostView[], figures: ReadonlyMap<string, HostResources>) {
  const { order, proposed } = hostChoices(hosts, figures);
  const items = order.map((h) => hostItem(h, figures.get(h.name), h.name === proposed && figures.has(h.name)));
  return { items, activeItem: items.find((i) => i.host.name === proposed) };
}
