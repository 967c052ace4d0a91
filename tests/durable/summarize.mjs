// Prints passed / failed / skipped per top-level group of the conformance suite (vitest's JSON
// report), names every failing test, and exits 1 when fewer than MIN tests passed.
//   node summarize.mjs results.json MIN
import { readFileSync } from 'node:fs';

const [file, minText] = process.argv.slice(2);
const min = Number(minText);
const report = JSON.parse(readFileSync(file, 'utf8'));
const groups = new Map();
const failures = [];
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
      failures.push([...t.ancestorTitles, t.title].join(' > '));
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
for (const name of failures) {
  console.log(`failed: ${name}`);
}
process.exit(ok ? 0 : 1);
