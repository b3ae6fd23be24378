// Mocha's spec output for people, plus one closing line CI can read:
// "tests: N passed, M failed". Pending tests are forbidden by .mocharc, so a
// skipped test can never hide in the count.
'use strict';
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || { passes: 0, failures: 0 };
      // Written after Spec's epilogue so it is the last line mocha prints.
      process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed\n`);
    });
  }
}
module.exports = SummaryReporter;
