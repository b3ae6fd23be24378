/** A directory to put into a container's file system, owned by a uid that may exist nowhere in the image. */
export interface TarDirectory {
  /** Relative to where the archive is extracted, without a leading slash: `home/coder/`. */
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

const BLOCK = 512;

/**
 * A ustar archive holding only directories. Docker's and Podman's archive
 * upload (PUT /containers/{id}/archive) extracts it with the owners it names,
 * which is how a home and a workspace owned by the instance's user are made
 * without running anything in the image (it may have no shell at all).
 */
export function tarDirectories(dirs: readonly TarDirectory[]): Buffer {
  const blocks = dirs.map(header);
  // Two zero blocks end an archive.
  return Buffer.concat([...blocks, Buffer.alloc(BLOCK * 2)]);
}

function header(d: TarDirectory): Buffer {
  const name = d.path.endsWith('/') ? d.path : `${d.path}/`;
  if (Buffer.byteLength(name) > 100 || name.startsWith('/') || name.split('/').includes('..')) {
    throw new Error(`tarDirectories: ${JSON.stringify(d.path)} is not a short relative path`);
  }
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, d.mode & 0o7777);
  octal(h, 108, 8, d.uid);
  octal(h, 116, 8, d.gid);
  octal(h, 124, 12, 0);
  octal(h, 136, 12, Math.floor(Date.now() / 1000));
  h.write('        ', 148, 8, 'ascii');
  h.write('5', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}
