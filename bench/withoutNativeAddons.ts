// Imported first by bench/index.ts, before anything loads ssh2. The shipped
// bundles leave ssh2's optional native addons out (scripts/build.mjs marks
// cpu-features and sshcrypto.node external, and the .vsix carries no
// node_modules), so ssh2 runs on Node's own crypto there. node_modules here
// may have them built; hiding them makes the benchmark run ssh2 the way the
// extension and the CLI do (it matters most for tunnel throughput).
import Module from 'node:module';

const loader = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
const load = loader._load;
loader._load = function (request, parent, isMain) {
  if (request === 'cpu-features' || request.endsWith('sshcrypto.node')) {
    throw Object.assign(new Error(`${request} is not part of the Code Swarm bundle`), { code: 'MODULE_NOT_FOUND' });
  }
  return load.call(this, request, parent, isMain);
};
