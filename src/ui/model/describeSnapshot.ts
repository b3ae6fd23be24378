import type { ProviderKind } from '../../shared/model.js';
import type { Snapshot } from '../../providers/provider.js';
import { formatTimestamp } from './format.js';

/** Where the workspace lives in every instance, whatever the provider. */
const PROJECT_DIR = '/home/coder/project';

export interface SnapshotLook {
  readonly label: string;
  readonly description: string;
  /** The user's label, if the snapshot has one. */
  readonly detail: string | undefined;
}

/** A snapshot as a QuickPick row: its name, when it was taken, and the user's label under it. */
export function describeSnapshot(s: Snapshot): SnapshotLook {
  return {
    label: s.name,
    description: formatTimestamp(s.createdAt),
    detail: s.label === undefined || s.label === '' ? undefined : s.label,
  };
}

/**
 * The modal before a restore says what is lost, which depends on the
 * provider: an LXD snapshot holds the whole instance, a Docker one only the
 * container's file system (the workspace volume stays as it is now).
 */
export function describeRestore(instance: { name: string; provider: ProviderKind }, s: Snapshot): { message: string; detail: string } {
  const when = formatTimestamp(s.createdAt);
  const lost =
    instance.provider !== 'lxd'
      ? `Its container is replaced by one made from the snapshot: whatever changed outside ${PROJECT_DIR} since ${when} (installed packages, settings, files in /home/coder) is lost. The workspace volume ${PROJECT_DIR} is not part of a Docker snapshot and stays as it is now.`
      : `Everything in the instance that changed since ${when} is lost, the files in ${PROJECT_DIR} included.`;
  return {
    message: `Restore ${instance.name} to ${s.name}?`,
    detail: `${lost} If it is running, code-server restarts.`,
  };
}

/** The notification after a snapshot: a warning when the snapshot leaves something out. */
export function snapshotTakenMessage(name: string, s: Snapshot): { text: string; warning: boolean } {
  const taken = `Snapshot ${s.name} of ${name} taken`;
  return s.warning === undefined ? { text: `${taken}.`, warning: false } : { text: `${taken}; ${s.warning}.`, warning: true };
}
