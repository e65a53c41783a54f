// Sums every suite's results into the final line CI reads: "N passed, N failed".
// Exits non-zero when anything failed or a suite left no report (it crashed).
import { existsSync, readFileSync } from 'node:fs';

const OUT = '.test-output';
let passed = 0;
let failed = 0;
let skipped = 0;
const notes = [];

for (const line of readFileSync(`${OUT}/gates.txt`, 'utf8').split('\n').filter(Boolean)) {
  if (line.endsWith(' passed')) passed++;
  else {
    failed++;
    notes.push(`gate failed: ${line.replace(/ failed$/, '')}`);
  }
}

function read(file, suite) {
  if (!existsSync(file)) {
    failed++;
    notes.push(`${suite}: no report (the run did not complete)`);
    return null;
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

const vitest = read(`${OUT}/vitest.json`, 'vitest');
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
  // A file that fails to load has no failed tests but did fail.
  for (const f of vitest.testResults) {
    if (f.status === 'failed' && f.assertionResults.every((a) => a.status !== 'failed')) {
      failed++;
      notes.push(`vitest: ${f.name} failed to run: ${(f.message ?? '').split('\n')[0]}`);
    }
  }
}

const e2e = read(`${OUT}/e2e.json`, 'playwright');
if (e2e) {
  passed += e2e.stats.expected;
  failed += e2e.stats.unexpected + e2e.stats.flaky;
  skipped += e2e.stats.skipped;
  for (const e of e2e.errors ?? []) {
    failed++;
    notes.push(`playwright: ${String(e.message).split('\n')[0]}`);
  }
}

for (const n of notes) console.log(n);
if (skipped > 0) console.log(`(${skipped} skipped: each says why in the output above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
