// Prints passed / failed / skipped per top-level group of the conformance suite (vitest's JSON
// report) and exits 1 when fewer than MIN tests passed. With KNOWN, a file of full test names
// ("Group > ... > title", one a line, # comments), it also exits 1 when a test fails that is not
// named there: on a topology where some tests pass or fail by chance (which node a request
// lands on), the count alone would let a new failure hide behind a lucky one.
//   node summarize.mjs results.json MIN [KNOWN]
import { readFileSync } from 'node:fs';

const [file, minText, knownFile] = process.argv.slice(2);
const min = Number(minText);
const report = JSON.parse(readFileSync(file, 'utf8'));
const known = new Set(knownFile === undefined ? [] : readFileSync(knownFile, 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
const groups = new Map();
const unexpected = [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const suite of report.testResults) {
  for (const t of suite.assertionResults) {
    const group = t.ancestorTitles[0] ?? '(top)';
    const g = groups.get(group) ?? { passed: 0, failed: 0, skipped: 0 };
    if (t.status === 'passed') {
      g.passed++;
      passed++;
    } else if (t.status === 'failed') {
      g.failed++;
      failed++;
      const name = [...t.ancestorTitles, t.title].join(' > ');
      if (knownFile !== undefined && !known.has(name)) {
        unexpected.push(name);
      }
    } else {
      g.skipped++;
      skipped++;
    }
    groups.set(group, g);
  }
}
for (const [name, g] of groups) {
  console.log(`${String(g.passed).padStart(4)} passed ${String(g.failed).padStart(4)} failed ` +
              `${String(g.skipped).padStart(3)} skipped  ${name}`);
}
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped (ratchet: ${min})`);
let ok = true;
if (!(passed >= min)) {
  console.log(`FAILED: ${passed} passed, fewer than the ${min} this gateway reached`);
  ok = false;
}
for (const name of unexpected) {
  console.log(`FAILED: not among the known failures: ${name}`);
  ok = false;
}
process.exit(ok ? 0 : 1);
