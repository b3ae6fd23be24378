import { z } from 'zod';
import type { LxdClient } from './lxdClient.js';
import { instancePath } from './lxdPaths.js';

/** A file the instance gets when it first starts. */
export interface FirstStartFile {
  /** Absolute path in the instance. */
  readonly path: string;
  readonly content: string;
}

/** Our template files in the instance's metadata are named after this prefix and their index. */
const TEMPLATE_PREFIX = 'code-swarm-first-start-';

/** The instance's metadata.yaml: only its templates are read, everything else goes back as it came. */
const MetadataSchema = z.looseObject({ templates: z.record(z.string(), z.unknown()).nullish() });

/**
 * A template whose rendering is exactly `content`. LXD renders templates with
 * pongo2, whose tags all open with `{`: each `{` is written as the tag that
 * prints one, so no content (a hostile env value, say) can run a tag.
 */
export function literalTemplate(content: string): string {
  return content.replace(/\{/g, '{% templatetag openbrace %}');
}

/**
 * Stages `files` as LXD templates applied on the instance's first start
 * (trigger `create`), and returns what takes them out again once it has
 * started: the metadata as it was, our template files deleted.
 *
 * Why not the files API: every file request on a stopped container runs
 * through LXD's forkfile helper, which syncs the whole file system when
 * each request ends, and the start then waits for it: right after the image
 * was unpacked, that flushes all of it. Templates are plain files next to
 * the root file system, written by LXD itself as the container starts.
 * They are written owned by root, mode 0644: the first-start drop-in
 * (codeServerConfig.ts) hands them to their owners before code-server runs.
 */
export async function stageFirstStartFiles(api: LxdClient, name: string, files: readonly FirstStartFile[]): Promise<() => Promise<void>> {
  const path = `${instancePath(name)}/metadata`;
  const templatePath = (i: number) => `${path}/templates?path=${encodeURIComponent(`${TEMPLATE_PREFIX}${i}.tpl`)}`;
  const [metadata] = await Promise.all([
    api.get(path, MetadataSchema),
    ...files.map((f, i) => api.run('POST', templatePath(i), { rawBody: literalTemplate(f.content) })),
  ]);
  const ours = Object.fromEntries(
    files.map((f, i) => [f.path, { when: ['create'], create_only: false, template: `${TEMPLATE_PREFIX}${i}.tpl`, properties: {} }]),
  );
  await api.run('PUT', path, { body: { ...metadata, templates: { ...(metadata.templates ?? {}), ...ours } } });
  return async () => {
    // The config template holds the password hash: nothing of it stays outside the instance's files.
    await api.run('PUT', path, { body: metadata });
    await Promise.all(files.map((_, i) => api.run('DELETE', templatePath(i))));
  };
}
