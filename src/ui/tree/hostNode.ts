import type { HostView } from '../../core/views.js';

/**
 * `when` clauses for menus on host nodes; package.json uses exactly these
 * strings (after `view == codeSwarm.instances && `), checked by a unit test.
 * Context values come from hostContextValue().
 */
export const HOST_WHEN = {
  any: 'viewItem =~ /^host(:unreachable)?$/',
  reachable: 'viewItem == host',
  unreachable: 'viewItem == host:unreachable',
} as const;

/**
 * A host row. The object is kept for as long as the host exists, and only its
 * view is replaced, so VS Code can be told precisely which rows changed.
 * Free of `vscode`: the tree provider turns it into a TreeItem.
 */
export class HostNode {
  readonly kind = 'host';

  constructor(public view: HostView) {}

  get name(): string {
    return this.view.name;
  }
}
