import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SwarmError } from '../../../src/shared/errors.js';
import { instanceNameProblem, parseCpus, parseMemory, validateImageRef, validateInstanceName } from '../../../src/core/validate.js';
import { validationProblem } from '../../../src/ui/model/validationProblem.js';

// The Create wizard validates as the user types with exactly these calls
// (src/ui/commands/createInstance.ts). Whatever it lets through must be what
// the Swarm accepts, and whatever it refuses must come with a message.
const shellish = fc.constantFrom(
  ...'$`;|&<>(){}[]*?!~#\'"\\\n\r\t \0-./:@=%+,é日🦀'.split(''),
  'a',
  'Z',
  '0',
  '1g',
  '512m',
  '$(id)',
  '`id`',
  '../',
  '--',
);
const anyString = fc.oneof(
  fc.string({ unit: shellish, maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.stringMatching(/^[a-z0-9.:/@_-]{1,40}$/),
);

const wizard = {
  name: (x: string) => instanceNameProblem(x),
  image: (x: string) => validationProblem(() => validateImageRef(x.trim())),
  cpus: (x: string) => validationProblem(() => parseCpus(x)),
  memory: (x: string) => validationProblem(() => parseMemory(x)),
};
const swarmAccepts = {
  name: (x: string) => validateInstanceName(x),
  image: (x: string) => validateImageRef(x.trim()),
  cpus: (x: string) => parseCpus(x),
  memory: (x: string) => parseMemory(x),
};

describe('Create wizard validators (fast-check)', () => {
  for (const field of ['name', 'image', 'cpus', 'memory'] as const) {
    it(`${field}: a refusal is one non-empty line, and what passes is accepted by the Swarm`, () => {
      fc.assert(
        fc.property(anyString, (x) => {
          const problem = wizard[field](x);
          if (problem !== undefined) {
            assert.ok(problem.trim().length > 0 && !/[\r\n]/.test(problem), `${field} ${JSON.stringify(x)}: ${JSON.stringify(problem)}`);
            assert.throws(
              () => swarmAccepts[field](x),
              (e: unknown) => e instanceof SwarmError && e.code === 'invalid-input',
            );
          } else {
            assert.doesNotThrow(() => swarmAccepts[field](x), `${field} ${JSON.stringify(x)} passed the wizard but not the Swarm`);
          }
        }),
        { numRuns: 500 },
      );
    });
  }
});
