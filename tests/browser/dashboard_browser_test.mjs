// Opens the perf-dashboard site from disk in headless Debian chromium (playwright-core) and
// checks what a person would see: one point per run in every trend chart, the gate threshold
// lines, tooltips naming commit/date/machine, regression flags listed at the top, a point that
// links to its run page, and that page's window charts. One set of charts per store
// and load (a run is a point only in its own setup's charts), store and load in the runs
// table, and a run stopped by a setup error listed with its error text, drawn nowhere, its page
// showing the error rather than a rule table. The cost charts (gateway and redis-server
// CPU seconds per 1M deliveries as two series of one chart, gateway RSS per connection) draw
// each run's figures from its own summary.json, and a run recorded before those figures existed
// is a gap there. Saves screenshots into --out.
//
// Usage: node dashboard_browser_test.mjs --site DIR --out DIR [--chromium /usr/bin/chromium]
//                                         [--expect-regression-run ID --expect-regression-metric M]
//                                         [--expect-setup-error-run ID] [--expect-setups N]
//                                         [--expect-run-without-cost ID]

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

// Metrics whose gate rule is in summary.json (tools/load/SCHEMA.md), and those without one.
const metricsWithThreshold = ['deliver_p95', 'resume_success', 'trim_rate', 'resume_max'];
const metricsWithoutThreshold = ['deliver_p99', 'delivered_per_s'];
const metricCount = metricsWithThreshold.length + metricsWithoutThreshold.length;
// The cost charts: chart -> series -> [the metric id the regression list uses, the
// figure read from summary.json here, independently of the dashboard's code]. A series without
// a name is the chart's only one (its points carry no data-series).
const costCharts = {
  cpu_per_delivery: {
    gateway: ['cpu_gateway', (s) => s.aggregates?.cost?.cpu_seconds_per_million_deliveries?.gateway],
    redis: ['cpu_redis', (s) => s.aggregates?.cost?.cpu_seconds_per_million_deliveries?.redis],
  },
  rss_per_connection: {
    '': ['rss_per_connection', (s) => s.aggregates?.cost?.rss_bytes_per_connection],
  },
};
const chartCount = metricCount + Object.keys(costCharts).length;
const hasFigure = (v) => typeof v === 'number' && Number.isFinite(v);

// A run's setup read from its own summary.json, independently of the dashboard's code: the
// store, and the load figures the dashboard must keep apart.
function setupOf(summary) {
  const c = summary.configuration ?? {};
  return {
    store: c.target_kind === 'nchan' ? 'nchan' : c.store,
    key: JSON.stringify([c.target_kind === 'nchan' ? 'nchan' : c.store, c.streams, c.subscribers,
      c.rate, c.duration_s]),
    rate: c.rate,
    subscribers: c.subscribers,
  };
}

// The cost charts of one setup: each series holds exactly the runs whose summary.json has the
// figure (oldest first), each point's value is that figure, a run without it is a gap (no
// point, hollow or otherwise), and a series no run of the setup has is not drawn.
function checkCostCharts(g, all, want, summaries) {
  for (const [metric, series] of Object.entries(costCharts)) {
    const c = all.find((x) => x.metric === metric);
    check(c !== undefined, `${g.id}: has the ${metric} chart`);
    if (!c) {
      continue;
    }
    check(c.dataPoints === want.length && c.marks.every((m) => !m.missing),
      `${c.id}: spans the setup's ${want.length} runs, no hollow "missing" point`);
    for (const [name, [, figure]] of Object.entries(series)) {
      const label = `${c.id}${name ? ` ${name}` : ''}`;
      const expected = want.filter((id) => hasFigure(figure(summaries[id])));
      const drawn = c.marks.filter((m) => m.series === name);
      check(JSON.stringify(drawn.map((m) => m.key)) === JSON.stringify(expected),
        `${label}: one point per run that has the figure, none for the others (` +
        `${drawn.length} of ${expected.length}; ${want.length - expected.length} gap(s))`);
      check(drawn.every((m) => {
        const v = figure(summaries[m.key]);
        return hasFigure(v) && Math.abs(Number(m.value) - v) <= 1e-5 * Math.max(1, Math.abs(v));
      }), `${label}: every point shows its run's own figure from summary.json`);
      check(drawn.every((m) => /commit \S+/.test(m.tooltip) && /machine \S+/.test(m.tooltip)),
        `${label}: every point has a tooltip naming commit and machine`);
    }
  }
}

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
  const summaries = Object.fromEntries(runIds.map((id) => [id,
    JSON.parse(fs.readFileSync(path.join(site, 'runs', id, 'summary.json')))]));
  const setupErrorIds = runIds.filter((id) => summaries[id].setup_error);
  const ranIds = runIds.filter((id) => !summaries[id].setup_error);
  const expectedGroups = new Map();  // setup key -> run ids that ran
  for (const id of ranIds) {
    const key = setupOf(summaries[id]).key;
    expectedGroups.set(key, [...(expectedGroups.get(key) ?? []), id]);
  }
  console.log(`${ranIds.length} runs that ran in ${expectedGroups.size} setups; ` +
    `${setupErrorIds.length} setup error(s)`);
  if ('expectSetups' in args) {
    check(expectedGroups.size === Number(args.expectSetups),
      `the history holds ${args.expectSetups} store/load setups (${expectedGroups.size})`);
  }
  if ('expectSetupErrorRun' in args) {
    check(setupErrorIds.includes(args.expectSetupErrorRun),
      `run '${args.expectSetupErrorRun}' has a setup_error in its summary.json ` +
      `(${setupErrorIds.join(', ') || 'none'})`);
  }

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

    // Every trend chart: one point per run of its setup, all drawn inside the chart.
    const charts = await page.$$eval('#trends svg.chart', (svgs) => svgs.map((svg) => ({
      id: svg.id,
      metric: svg.closest('figure')?.dataset.metric ?? '',
      group: svg.closest('section.trend-group')?.id ?? '',
      keys: [...svg.querySelectorAll('.point')].map((p) => p.dataset.key),
      marks: [...svg.querySelectorAll('.point')].map((p) => ({ key: p.dataset.key,
        series: p.dataset.series ?? '', value: p.dataset.value,
        missing: p.classList.contains('missing'),
        tooltip: p.querySelector('title')?.textContent ?? '' })),
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
      regressions: [...svg.querySelectorAll('[data-regression="true"]')].map((p) => ({
        key: p.dataset.key, series: p.dataset.series ?? '' })),
    })));
    const groups = await page.$$eval('#trends section.trend-group', (sections) => sections.map(
      (g) => ({ id: g.id, store: g.dataset.store, load: g.dataset.load,
        runs: Number(g.dataset.runs), heading: g.querySelector('h3')?.textContent ?? '' })));
    check(groups.length === expectedGroups.size,
      `index shows one set of charts per store and load (${groups.length} of ` +
      `${expectedGroups.size})`);
    check(charts.length === chartCount * groups.length,
      `index shows ${chartCount} trend charts per setup (${charts.length})`);
    for (const g of groups) {
      const all = charts.filter((c) => c.group === g.id);
      const mine = all.filter((c) => !(c.metric in costCharts));
      const keys = mine[0]?.keys ?? [];
      const want = expectedGroups.get(setupOf(summaries[keys[0]] ?? {}).key) ?? [];
      checkCostCharts(g, all, want, summaries);
      check(mine.length === metricCount && keys.length > 0 &&
        JSON.stringify(keys) === JSON.stringify(want) && g.runs === want.length,
      `${g.id} (${g.heading}): its charts hold exactly the runs of one store and load, ` +
        `oldest first (${keys.length} of ${want.length})`);
      check(keys.every((id) => setupOf(summaries[id]).store === g.store) &&
        g.heading.includes(`${g.store} store`) && g.load.includes('events/s'),
      `${g.id}: labelled with its store (${g.store}) and load (${g.load})`);
      for (const c of mine) {
        const n = want.length;
        check(c.points === n && c.dataPoints === n && JSON.stringify(c.keys) === JSON.stringify(keys),
          `${c.id}: one point per run of its setup (${c.points} of ${n})`);
        check(c.points > 0 && c.visible, `${c.id}: every point is drawn inside the chart`);
        check(c.links.length === n && c.links.every((l) => /^runs\/[^/]+\.html$/.test(l)),
          `${c.id}: every point links to its run page`);
        // Counted first: every() of an empty list is true, and a chart without tooltips must
        // fail.
        check(c.tooltips.length === n &&
          c.tooltips.every((t) => /commit \S+/.test(t) && /date \d{4}-\d\d-\d\dT/.test(t) &&
            /machine \S+/.test(t)),
        `${c.id}: every point has a tooltip naming commit, date and machine ` +
          `(${c.tooltips.length} of ${n})`);
      }
      for (const metric of metricsWithThreshold) {
        const c = mine.find((x) => x.metric === metric);
        check(c && c.thresholds.length === 1 && (c.points === 1 || c.thresholds[0].width > 100) &&
          c.thresholds[0].title.startsWith('gate:'), `${g.id} ${metric}: gate threshold line drawn`);
      }
      for (const metric of metricsWithoutThreshold) {
        const c = mine.find((x) => x.metric === metric);
        check(c && c.thresholds.length === 0,
          `${g.id} ${metric}: no threshold (the gate has no rule for it)`);
      }
    }
    for (const metric of [...metricsWithThreshold, ...metricsWithoutThreshold]) {
      const drawn = charts.filter((c) => c.metric === metric).flatMap((c) => c.keys).sort();
      check(JSON.stringify(drawn) === JSON.stringify([...ranIds].sort()),
        `${metric}: every run that ran is one point in exactly one chart, and no setup-error ` +
        `run is drawn (${drawn.length} points, ${ranIds.length} runs ran)`);
    }

    // Runs that never ran: listed with their error text, in the list and the table.
    const listedErrors = await page.$$eval('#setup-errors li.setup-error', (items) => items.map(
      (li) => ({ run: li.dataset.run, text: li.querySelector('.error-text')?.textContent ?? '',
        href: li.querySelector('a')?.getAttribute('href') })));
    check(JSON.stringify(listedErrors.map((e) => e.run).sort()) ===
      JSON.stringify([...setupErrorIds].sort()),
    `every setup-error run is listed at the top (${listedErrors.length} of ` +
      `${setupErrorIds.length})`);
    for (const e of listedErrors) {
      check(e.text === summaries[e.run]?.setup_error && e.href === `runs/${e.run}.html`,
        `setup-error run ${e.run} is listed with its recorded error: ${e.text}`);
    }
    const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => ({
      run: tr.dataset.run, setupError: tr.classList.contains('setup-error'),
      store: tr.querySelector('td.store')?.textContent ?? '',
      load: tr.querySelector('td.load')?.textContent ?? '',
      errorText: tr.querySelector('td.error-text')?.textContent ?? null,
      cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
    })));
    check(rows.length === runCount, `the runs table lists every run (${rows.length})`);
    for (const r of rows) {
      const s = summaries[r.run];
      const setup = setupOf(s ?? {});
      check(s && r.store === setup.store && r.load.includes(`${setup.subscribers} subscribers`) &&
        r.load.includes(`${setup.rate} events/s`),
      `runs table: ${r.run} shows store ${r.store} and load ${r.load}`);
      if (s?.setup_error) {
        check(r.setupError && r.errorText === s.setup_error &&
          !r.cells.some((c) => /events\/s$/.test(c) && /^\d/.test(c)),
        `runs table: setup-error run ${r.run} shows its error, no figures: ${r.errorText}`);
      }
    }

    // Regression flags: marked on the charts and listed at the top, the same set.
    const listed = await page.$$eval('#regressions li.regression',
      (items) => items.map((li) => `${li.dataset.run}/${li.dataset.metric}`));
    const marked = charts.flatMap((c) => c.regressions.map((r) =>
      `${r.key}/${c.metric in costCharts ? costCharts[c.metric][r.series]?.[0] : c.metric}`));
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
    if ('expectRunWithoutCost' in args) {
      const id = args.expectRunWithoutCost ?? '';
      const s = summaries[id];
      check(s && s.aggregates && !('cost' in s.aggregates),
        `run '${id}' has no aggregates.cost in its summary.json (a run older than the figures)`);
      const plain = charts.filter((c) => !(c.metric in costCharts) && c.keys.includes(id));
      const cost = charts.filter((c) => c.metric in costCharts && c.keys.includes(id));
      check(id !== '' && plain.length === metricCount && cost.length === 0,
        `run '${id}' is a point on the ${metricCount} gate charts (${plain.length}) and a gap ` +
        `on the cost charts (${cost.length} with a point)`);
    }
    await page.screenshot({ path: path.join(out, 'index.png'), fullPage: true });

    // A setup-error run's page: the error, not a rule table judging the breakdown.
    for (const e of listedErrors) {
      await Promise.all([page.waitForURL(/runs\/.+\.html$/),
        page.click(`#setup-errors li[data-run="${e.run}"] a`)]);
      const shown = await page.locator('#setup-error').textContent().catch(() => null);
      check(shown === summaries[e.run].setup_error &&
        (await page.locator('#verdict').textContent()) === 'setup error' &&
        (await page.locator('#rules').count()) === 0 &&
        (await page.locator('#no-rules').count()) === 1,
      `run page of ${e.run}: verdict "setup error" with the error text, no rule table`);
      await page.screenshot({ path: path.join(out, 'setup-error-run.png'), fullPage: true });
      await Promise.all([page.waitForURL(/index\.html$/), page.click('#back')]);
    }

    // Hover shows the point's tooltip text (the SVG <title>); then follow the last run's link
    // in the first setup's chart.
    const lastPoint = page.locator('#group-1 svg.chart').first().locator('.point').last();
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
