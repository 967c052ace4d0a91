// Opens the perf-dashboard site from disk in headless Debian chromium (playwright-core) and
// checks what a person would see: one point per run in every trend chart, the gate threshold
// lines, tooltips naming commit/date/machine, regression flags listed at the top, a point that
// links to its run page, and that page's window charts. Saves screenshots into --out.
//
// Usage: node dashboard_browser_test.mjs --site DIR --out DIR [--chromium /usr/bin/chromium]
//                                         [--expect-regression-run ID --expect-regression-metric M]

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function parseArgs(argv) {
  const args = { chromium: '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    args[key] = argv[i + 1];
  }
  for (const required of ['site', 'out']) {
    if (!args[required]) {
      throw new Error(`missing --${required}`);
    }
  }
  return args;
}

let failures = 0;
let checks = 0;
function check(condition, message) {
  checks += 1;
  if (condition) {
    console.log(`ok   ${message}`);
  } else {
    failures += 1;
    console.log(`FAIL ${message}`);
  }
}

// Charts whose metric has a gate rule in summary.json (tools/load/SCHEMA.md), by chart id.
const chartsWithThreshold = ['trend-deliver_p95', 'trend-resume_success', 'trend-trim_rate',
  'trend-resume_max'];
const chartsWithoutThreshold = ['trend-deliver_p99', 'trend-delivered_per_s'];

async function main() {
  const args = parseArgs(process.argv);
  const site = path.resolve(args.site);
  const out = path.resolve(args.out);
  fs.mkdirSync(out, { recursive: true });
  const runIds = fs.readdirSync(path.join(site, 'runs'))
    .filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -5)).sort();
  const runCount = runIds.length;
  console.log(`site ${site}: ${runCount} run pages`);
  check(runCount >= 10, `the site has at least 10 runs (${runCount})`);

  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: args.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  const external = [];
  const consoleErrors = [];
  try {
    // Everything must come from disk: any other request is recorded and refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://') || url.startsWith('data:') || url.startsWith('about:')) {
        return route.continue();
      }
      external.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));

    const indexUrl = pathToFileURL(path.join(site, 'index.html')).href;
    await page.goto(indexUrl, { waitUntil: 'load' });
    check((await page.title()).includes('performance'), 'index.html opens from file://');

    // Every trend chart: one point per run, all drawn inside the chart.
    const charts = await page.$$eval('#trends svg.chart', (svgs) => svgs.map((svg) => ({
      id: svg.id,
      points: svg.querySelectorAll('.point').length,
      dataPoints: Number(svg.dataset.points),
      visible: [...svg.querySelectorAll('.point')].every((p) => {
        const r = p.getBoundingClientRect();
        const box = svg.getBoundingClientRect();
        return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 &&
          r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      }),
      thresholds: [...svg.querySelectorAll('path.threshold')].map((t) => ({
        d: t.getAttribute('d'),
        width: t.getBBox().width,
        title: t.querySelector('title')?.textContent ?? '',
      })),
      links: [...svg.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      tooltips: [...svg.querySelectorAll('.point > title')].map((t) => t.textContent),
      regressions: [...svg.querySelectorAll('[data-regression="true"]')].map((p) => p.dataset.key),
    })));
    check(charts.length === 6, `index shows 6 trend charts (${charts.length})`);
    for (const c of charts) {
      check(c.points === runCount && c.dataPoints === runCount,
        `${c.id}: one point per run (${c.points} of ${runCount})`);
      check(c.points > 0 && c.visible, `${c.id}: every point is drawn inside the chart`);
      check(c.links.length === runCount && c.links.every((l) => /^runs\/[^/]+\.html$/.test(l)),
        `${c.id}: every point links to its run page`);
      // Counted first: every() of an empty list is true, and a chart without tooltips must fail.
      check(c.tooltips.length === runCount &&
        c.tooltips.every((t) => /commit \S+/.test(t) && /date \d{4}-\d\d-\d\dT/.test(t) &&
          /machine \S+/.test(t)),
      `${c.id}: every point has a tooltip naming commit, date and machine ` +
        `(${c.tooltips.length} of ${runCount})`);
    }
    for (const id of chartsWithThreshold) {
      const c = charts.find((x) => x.id === id);
      check(c && c.thresholds.length === 1 && c.thresholds[0].width > 100 &&
        c.thresholds[0].title.startsWith('gate:'), `${id}: gate threshold line drawn`);
    }
    for (const id of chartsWithoutThreshold) {
      const c = charts.find((x) => x.id === id);
      check(c && c.thresholds.length === 0, `${id}: no threshold (the gate has no rule for it)`);
    }

    // Regression flags: marked on the charts and listed at the top, the same set.
    const listed = await page.$$eval('#regressions li.regression',
      (items) => items.map((li) => `${li.dataset.run}/${li.dataset.metric}`));
    const marked = charts.flatMap((c) => c.regressions.map(
      (run) => `${run}/${c.id.replace(/^trend-/, '')}`));
    check(JSON.stringify([...listed].sort()) === JSON.stringify([...marked].sort()),
      `regressions listed at the top match the marked points (${listed.length})`);
    const sectionOrder = await page.$$eval('body > section', (s) => s.map((x) => x.id));
    check(sectionOrder[0] === 'regressions', 'the regression list comes first');
    // Asked for (even with an empty value, as when the caller failed to find the run id): the
    // check runs and fails, rather than vanishing.
    if ('expectRegressionRun' in args || 'expectRegressionMetric' in args) {
      const run = args.expectRegressionRun ?? '';
      const metric = args.expectRegressionMetric ?? '';
      check(run !== '' && metric !== '',
        `the expected regression names a run and a metric (run '${run}', metric '${metric}')`);
      const want = `${run}/${metric}`;
      check(run !== '' && metric !== '' && listed.includes(want), `regression ${want} is flagged`);
    }
    await page.screenshot({ path: path.join(out, 'index.png'), fullPage: true });

    // Hover shows the point's tooltip text (the SVG <title>); then follow the last run's link.
    const lastPoint = page.locator('#trend-deliver_p95 .point').last();
    await lastPoint.hover();
    const lastKey = await lastPoint.getAttribute('data-key');
    await Promise.all([page.waitForURL(/runs\/.+\.html$/), lastPoint.click()]);
    check(page.url().endsWith(`/runs/${lastKey}.html`), `clicking a point opens its run page (${lastKey})`);

    // The run page: one chart per window metric, one point per window, the rule table.
    const series = JSON.parse(fs.readFileSync(path.join(site, 'runs', lastKey, 'timeseries.json')));
    const summary = JSON.parse(fs.readFileSync(path.join(site, 'runs', lastKey, 'summary.json')));
    const windowColumns = Object.keys(series.rows[0]).filter(
      (k) => !['window', 'start_s', 'end_s'].includes(k));
    const runCharts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => ({
      id: svg.id, points: svg.querySelectorAll('.point').length,
      thresholds: svg.querySelectorAll('path.threshold').length,
    })));
    check(runCharts.length === windowColumns.length,
      `run page: a chart per window metric (${runCharts.length} of ${windowColumns.length})`);
    check(runCharts.length > 0 && runCharts.every((c) => c.points === series.rows.length),
      `run page: every chart has one point per window (${series.rows.length})`);
    const windowRules = summary.rules.filter((r) => r.scope !== 'run').map((r) => r.metric);
    check(windowRules.length > 0, `run page: the summary has window rules (${windowRules.length})`);
    for (const metric of new Set(windowRules)) {
      const c = runCharts.find((x) => x.id === `window-${metric}`);
      check(c && c.thresholds === 1, `run page: ${metric} chart shows its window threshold`);
    }
    const ruleRows = await page.locator('#rules tbody tr').count();
    check(ruleRows === summary.rules.length, `run page: rule table has every rule (${ruleRows})`);
    const verdict = await page.locator('#verdict').textContent();
    check(verdict === summary.verdict, `run page: verdict ${verdict}`);
    await page.screenshot({ path: path.join(out, 'run.png'), fullPage: true });

    await Promise.all([page.waitForURL(/index\.html$/), page.click('#back')]);
    check(page.url() === indexUrl, 'the back link returns to index.html');

    check(external.length === 0, `no external request (${external.join(', ') || 'none'})`);
    check(consoleErrors.length === 0, `no console error (${consoleErrors.join(' | ') || 'none'})`);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  console.log(`screenshots: ${path.join(out, 'index.png')}, ${path.join(out, 'run.png')}`);
  console.log(`${checks - failures} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
