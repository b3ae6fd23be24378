import { isAbsolute } from 'node:path';
import type { CreateInput } from '../../core/swarm.js';
import { readDevcontainer } from '../../core/devcontainerFile.js';
import { validateImageRef } from '../../core/validate.js';
import { validateBuild } from '../../core/validateBuild.js';

/** The Create wizard's image step, without `vscode`: an image reference, or a file on this machine to build from. */

/** An image reference never starts with '/': such a value is a Dockerfile or a devcontainer.json on this machine. */
export function isDockerfilePath(value: string): boolean {
  return isAbsolute(value) && !isDevcontainerPath(value);
}

/** A devcontainer.json (or .devcontainer.json), told apart from a Dockerfile by its name, as Dev Containers does. */
export function isDevcontainerPath(value: string): boolean {
  return isAbsolute(value) && /(^|[/.])devcontainer\.json$/.test(value);
}

/** The image step's value checked by the core's own rules: the file read and validated, or the reference. */
export function checkImageChoice(value: string): void {
  if (isDevcontainerPath(value)) readDevcontainer(value);
  else if (isDockerfilePath(value)) validateBuild({ dockerfile: value });
  else validateImageRef(value);
}

/** What the image step adds to create's input: the image, or the devcontainer.json (a Dockerfile's build comes with the options). */
export function imageChoiceInput(value: string): Pick<CreateInput, 'image' | 'devcontainer'> {
  if (isDevcontainerPath(value)) return { devcontainer: value };
  return isDockerfilePath(value) ? {} : { image: value };
}
