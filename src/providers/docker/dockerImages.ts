import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SwarmError } from '../../shared/errors.js';
import { CODER_UID } from '../common/codeServer.js';
import { firstLine } from '../common/providerErrors.js';
import type { CreateOptions } from '../provider.js';
import type { DockerEngine } from './dockerEngine.js';
import { statusOf } from './dockerErrors.js';

interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
}

/** Makes sure the image is on the host (pulling if needed); returns its inspect. */
export async function ensureImageInfo(engine: DockerEngine, image: string, options: CreateOptions): Promise<Docker.ImageInspectInfo> {
  const progress = options.onProgress ?? (() => undefined);
  let info: Docker.ImageInspectInfo | undefined;
  try {
    info = await engine.api.getImage(image).inspect();
  } catch (e) {
    if (statusOf(e) !== 404) throw engine.wrap(e, 'inspect the image');
  }
  if (!info) {
    progress(`Pulling ${image}`);
    await pull(engine, image, options);
    info = await engine.call('inspect the image', () => engine.api.getImage(image).inspect());
  }
  return info;
}

/** The image's own user unless it is root: code-server never runs as root here. */
export function runAs(user: string): string {
  return user === '' || user === 'root' || user === '0' || user.startsWith('0:') ? `${CODER_UID}:${CODER_UID}` : user;
}

async function pull(engine: DockerEngine, image: string, options: CreateOptions): Promise<void> {
  const progress = options.onProgress ?? (() => undefined);
  try {
    const stream = await engine.streams.pull(image);
    await new Promise<void>((resolve, reject) => {
      const layers = new Map<string, { current: number; total: number }>();
      options.signal?.addEventListener('abort', () => (stream as Readable).destroy(new Error('cancelled')));
      engine.streams.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: PullEvent) => {
          if (event.error) reject(new Error(event.error));
          if (event.id && event.progressDetail?.total) {
            layers.set(event.id, { current: event.progressDetail.current ?? 0, total: event.progressDetail.total });
            let cur = 0;
            let tot = 0;
            for (const l of layers.values()) {
              cur += l.current;
              tot += l.total;
            }
            progress(`Pulling ${image}: ${event.status ?? ''}`, tot > 0 ? cur / tot : undefined);
          }
        },
      );
    });
  } catch (e) {
    throw pullError(engine, image, e);
  }
}

function pullError(engine: DockerEngine, image: string, e: unknown): SwarmError {
  const msg = e instanceof Error ? e.message : String(e);
  if (statusOf(e) === 404 || /not found|manifest unknown|pull access denied/i.test(msg)) {
    return new SwarmError(`The image ${image} does not exist in its registry`, {
      code: 'image-missing',
      hint: 'Check the image name and tag',
      cause: e,
    });
  }
  return new SwarmError(`The image ${image} is not on ${engine.link.label} and could not be pulled (${firstLine(msg)})`, {
    code: 'image-missing',
    hint: 'The host may be offline: load the image there (docker load / docker import), or pick an image it already has',
    cause: e,
  });
}
