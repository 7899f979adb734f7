// Writes one project's Jest totals to a JSON file so `npm test` can print a single summary line for the run.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(_globalConfig, options) {
    this.file = options.file;
  }

  onRunComplete(_contexts, results) {
    const failedSuites = results.testResults.filter((r) => r.testExecError).map((r) => r.testFilePath);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(
      this.file,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests + failedSuites.length,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
      }),
    );
  }
}

module.exports = SummaryReporter;
