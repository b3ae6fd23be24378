import { LABEL } from '../common/labels.js';

/** `user.*` keys are the only config keys LXD lets us invent: our labels live under it. */
export const LXD_LABEL_PREFIX = 'user.';

export const LXD_KEY = {
  instance: `${LXD_LABEL_PREFIX}${LABEL.instance}`,
  name: `${LXD_LABEL_PREFIX}${LABEL.name}`,
  store: `${LXD_LABEL_PREFIX}${LABEL.store}`,
  spec: `${LXD_LABEL_PREFIX}${LABEL.spec}`,
  cookieSuffix: `${LXD_LABEL_PREFIX}${LABEL.cookieSuffix}`,
  snapshotLabel: `${LXD_LABEL_PREFIX}code-swarm.snapshot-label`,
} as const;
