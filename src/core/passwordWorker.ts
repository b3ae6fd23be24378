// The argon2id hashing thread (see password.ts): a hash takes ~80 ms of CPU,
// which on the main thread would stall the extension host once per create.
import { parentPort } from 'node:worker_threads';
import { argon2idEncoded, type HashRequest, type HashReply } from './argon2.js';

parentPort?.on('message', (req: HashRequest) => {
  argon2idEncoded(req.password, Buffer.from(req.salt)).then(
    (hash) => parentPort?.postMessage({ id: req.id, hash } satisfies HashReply),
    (e: unknown) => parentPort?.postMessage({ id: req.id, error: e instanceof Error ? e.message : String(e) } satisfies HashReply),
  );
});
