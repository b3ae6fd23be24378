import type { Services } from '../services.js';
import type { TreeNode } from '../tree/treeNode.js';

/**
 * A command's first argument: the clicked tree row, an instance or host name
 * (for scripts, keybindings and tests), or nothing from the palette, in which
 * case the command asks with a QuickPick.
 */
export type NodeArg = TreeNode | string | undefined;

/** One command: services, the clicked row, and the multi-selection it belongs to. */
export type CommandHandler = (services: Services, node?: NodeArg, nodes?: readonly TreeNode[]) => Promise<void>;
