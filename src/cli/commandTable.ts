import type { Command } from './command.js';
import { create } from './commands/create.js';
import { deleteInstance } from './commands/deleteInstance.js';
import { health } from './commands/health.js';
import { hostsAdd } from './commands/hostsAdd.js';
import { hostsDoctor } from './commands/hostsDoctor.js';
import { hostsList } from './commands/hostsList.js';
import { hostsRemove } from './commands/hostsRemove.js';
import { hostsTest } from './commands/hostsTest.js';
import { idle } from './commands/idle.js';
import { list } from './commands/list.js';
import { logs } from './commands/logs.js';
import { open } from './commands/open.js';
import { password } from './commands/password.js';
import { rename } from './commands/rename.js';
import { rebuild } from './commands/rebuild.js';
import { restart } from './commands/restart.js';
import { restore } from './commands/restore.js';
import { snapshot } from './commands/snapshot.js';
import { snapshotDelete } from './commands/snapshotDelete.js';
import { snapshots } from './commands/snapshots.js';
import { start } from './commands/start.js';
import { stats } from './commands/stats.js';
import { stop } from './commands/stop.js';
import { watch } from './commands/watch.js';

/** Every `code-swarm` command, found by its words (`list`, `hosts add`). */
export const COMMANDS: readonly Command[] = [
  hostsAdd,
  hostsList,
  hostsTest,
  hostsRemove,
  hostsDoctor,
  create,
  list,
  watch,
  start,
  stop,
  restart,
  rebuild,
  idle,
  deleteInstance,
  rename,
  health,
  logs,
  open,
  password,
  snapshot,
  snapshots,
  restore,
  snapshotDelete,
  stats,
];
