import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODER_UID } from '../common/codeServer.js';
import type { DockerEngine } from '../docker/dockerEngine.js';
import { statusOf } from '../docker/dockerErrors.js';
import { probeImage, titledCodeServer } from '../docker/imageProbe.js';

/** What a task runs: the image's entrypoint and command (after the task's wrapper), and who runs it. */
export interface ImageEntry {
  readonly entry: string[];
  readonly user: string;
}

/**
 * The image's entrypoint and command, and its user (never root). The image
 * must be on the manager: the gateway runs it there.
 */
export async function imageEntry(engine: DockerEngine, image: string): Promise<ImageEntry> {
  let info: Docker.ImageInspectInfo;
  try {
    info = await engine.api.getImage(image).inspect();
  } catch (e) {
    if (statusOf(e) !== 404) throw engine.wrap(e, 'inspect the image');
    throw new SwarmError(`The image ${image} is not on the swarm's manager ${engine.link.label}`, {
      code: 'image-missing',
      hint: 'Push it to a registry every node can pull from, or load it on every node (docker load)',
      cause: e,
    });
  }
  // code-server is brought into images only on single engines (docs/ANY-IMAGE.md): its volume would have to be on every node.
  if (!titledCodeServer(info.Config?.Labels) && !(await probeImage(engine, image, info)).hasCodeServer) {
    throw new SwarmError(`The image ${image} has no code-server, and a Swarm-mode host cannot bring it in`, {
      code: 'invalid-input',
      hint: 'Use an image with code-server installed, or create it on a Docker or Podman host',
    });
  }
  const entry = [...(info.Config?.Entrypoint ?? []), ...(info.Config?.Cmd ?? [])];
  if (entry.length === 0) throw new SwarmError(`The image ${image} has no entrypoint or command to run`, { code: 'invalid-input' });
  const u = info.Config?.User ?? '';
  const user = u === '' || u === 'root' || u === '0' || u.startsWith('0:') ? `${CODER_UID}:${CODER_UID}` : u;
  return { entry, user };
}
