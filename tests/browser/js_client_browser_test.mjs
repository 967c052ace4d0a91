// The browser client (clients/js) in headless Debian chromium (playwright-core),
// against the real gateway binary. A page on its own origin (the test's page server, which also
// serves clients/js/sse-gateway-client.js as an ES module) imports the client and uses it as an
// application would; everything is checked on what the page observed. One scenario per run:
//
//   cuts     a producer appends 80 events while the proxy between page and gateway cuts the
//            page's connections six times, and on half of the reconnects moves the resume point
//            back (a stale resume point): the page gets every event exactly once, in order
//   renew    `--auth jwt`, tokens that live 2 s, a 20 s stream: token() mints fresh ones; every
//            event once, in order, across about ten renewals
//   reload   the page keeps its last id in sessionStorage and is reloaded mid-stream: the
//            events before and after the reload are every event exactly once
//   redis    Redis store on a redis-server of the test's own, SIGSTOPped for 5 s mid-stream: the
//            page's producer (append with Producer-Seq) is answered 503 with Retry-After and
//            retries no sooner; the subscriber is held and resumes; every event exactly once
//   busy     `--max-subscribers-per-stream 1` with the slot taken: the page's subscribe is
//            answered 503 Retry-After: 5, and the client waits at least that before trying again
//   markers  gap (a stream that trimmed), end (with its status), 204 (a resume at the end: no
//            retry after it) and reset (a made-up epoch) reach the page as onGap/onEnd/onReset
//   append   append() through a proxy that loses the gateway's answer to every third append:
//            retries keep Producer-Seq, and the stream holds every event once
//
// `--transport eventsource|fetch` picks the client's transport (default eventsource).
//
// Usage: node js_client_browser_test.mjs --scenario NAME --gateway BIN --client-dir DIR
//        [--transport eventsource|fetch] [--chromium BIN]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, gatewayLog, launchChromium, listen, mintHs256, nodeRequest, nowS,
  parseArgs, run, startGateway, step_ms, stopGateway, within,
} from './harness.mjs';
import { cuttingProxy, pageServer, startRedis } from './js_client_support.mjs';

const overall_ms = 150_000;
const secret = 'js-client-browser-test-secret-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// HS256 JWT, as an application's token endpoint would mint it.
const mintToken = (claims) => mintHs256(secret, claims);

// ---- What runs in the page (serialized by playwright: no closures over this file). ----

/// Imports the client and subscribes; what it sees goes to window.obs (and, when the test
/// exposed it, to window.reportEvent, which outlives a reload).
async function startSubscriber({ moduleUrl, url, transport, tokenUrl, useStorage, backoff, lastEventId,
  name }) {
  const m = await import(moduleUrl);
  const obs = { events: [], gaps: [], resets: [], ends: [], errors: [], opens: 0, tokens: 0,
    startedFrom: '' };
  if (name) {
    window.named = { ...(window.named ?? {}), [name]: obs };
  } else {
    window.obs = obs;
  }
  const token = tokenUrl ? async () => {
    obs.tokens += 1;
    return (await fetch(tokenUrl, { cache: 'no-store' })).text();
  } : undefined;
  let sub = null;
  sub = m.subscribe(url, {
    transport, token, backoff, lastEventId, eventTypes: ['token'],
    storage: useStorage ? sessionStorage : null,
    onEvent: (e) => { obs.events.push(e); window.reportEvent?.(e); },
    onGap: (g) => obs.gaps.push(g),
    onReset: (r) => obs.resets.push(r),
    onEnd: (e) => { obs.ends.push(e); obs.stateAtEnd = sub?.state; },
    onError: (e) => obs.errors.push({ ...e, at: Date.now() }),
    onOpen: () => { obs.opens += 1; },
  });
  if (name) {
    window.subs = { ...(window.subs ?? {}), [name]: sub };
  } else {
    window.sub = sub;
  }
  obs.startedFrom = sub.lastEventId;
  sub.done.then((why) => { obs.done = why; });
  return obs.startedFrom;
}

/// The page's producer: `count` appends of one event each, every `everyMs`, with Producer-Seq
/// (the stream is new: event i gets seq i). Results and retries go to window.prod.
async function startProducer({ moduleUrl, url, count, everyMs, retries }) {
  const m = await import(moduleUrl);
  const prod = { results: [], retries: [], failures: [], done: false };
  window.prod = prod;
  (async () => {
    for (let i = 1; i <= count; i += 1) {
      try {
        const r = await m.append(url, { data: `e${i}`, event: 'token' }, {
          producerSeq: i, retries,
          onRetry: (x) => prod.retries.push({ seq: i, ...x, at: Date.now() }),
        });
        prod.results.push({ seq: i, ...r });
      } catch (e) {
        prod.failures.push({ seq: i, message: String(e), status: e.status, code: e.code });
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
    prod.done = true;
  })();
  return true;
}

// ---- Node side. ----

function setup(args) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `js-client-${args.scenario}-`));
  const t = { args, work, transport: args.transport ?? 'eventsource', servers: [], gateways: [],
    consoleLines: [], cleanups: [] };
  t.moduleUrl = () => `${t.pageOrigin}/client/sse-gateway-client.js`;
  t.obs = () => t.page.evaluate(() => JSON.parse(JSON.stringify(window.obs ?? null)));
  t.prod = () => t.page.evaluate(() => JSON.parse(JSON.stringify(window.prod ?? null)));
  t.waitFor = async (what, read, pred, ms = step_ms) => {
    const until = Date.now() + ms;
    let last;
    while (Date.now() < until) {
      last = await read();
      if (pred(last)) {
        return last;
      }
      await sleep(100);
    }
    throw new Error(`timed out after ${ms} ms waiting for: ${what}\nsaw: ${JSON.stringify(last)?.slice(0, 3000)}`);
  };
  return t;
}

async function startPage(t, routes = {}) {
  const server = pageServer(t.args['client-dir'], routes);
  t.servers.push(server);
  t.pageOrigin = `http://127.0.0.1:${await listen(server)}`;
}

async function openBrowser(t) {
  t.context = await launchChromium(t.args.chromium, t.work);
  t.page = await t.context.newPage();
  t.page.on('console', (m) => t.consoleLines.push(`${m.type()}: ${m.text()}`));
  t.page.on('pageerror', (e) => t.consoleLines.push(`pageerror: ${e}`));
  t.page.setDefaultTimeout(step_ms);
  await t.page.goto(`${t.pageOrigin}/`);
}

async function gateway(t, name, extra) {
  const gw = await startGateway(t.args.gateway, t.work, name,
    ['--cors-origin', t.pageOrigin, '--heartbeat', '1s', ...extra]);
  t.gateways.push(gw);
  return gw;
}

async function withProxy(t, gw) {
  const proxy = cuttingProxy(gw.url);
  t.servers.push(proxy.server);
  proxy.url = `http://127.0.0.1:${await listen(proxy.server)}`;
  return proxy;
}

/// Checks that `events` (the page's onEvent calls) are seqs 1..n of one epoch, once each, in
/// order, with the data the producer appended (`e<seq>`).
function checkExactlyOnce(events, n, what) {
  const seqs = events.map((e) => e.seq);
  const ok = events.length === n && events.every((e, i) => e.seq === i + 1 && e.data === `e${i + 1}`) &&
    new Set(events.map((e) => e.epoch)).size === 1;
  const dupes = seqs.filter((s, i) => seqs.indexOf(s) !== i);
  check(ok, `${what}: every event 1..${n} exactly once, in order`,
    { count: events.length, duplicates: dupes.slice(0, 20), first: seqs.slice(0, 30), last: seqs.slice(-10) });
}

async function appendFromNode(gw, stream, data, headers = {}) {
  return nodeRequest(`${gw.url}/v1/streams/${stream}/events`, 'POST',
    JSON.stringify({ data, event: 'token' }), { 'Content-Type': 'application/json', ...headers });
}

// cuts: six cuts while 80 events are appended; every other reconnect with a stale resume point.
async function scenarioCuts(t) {
  await startPage(t);
  const gw = await gateway(t, 'gateway', []);
  const proxy = await withProxy(t, gw);
  await openBrowser(t);
  const stream = 'cuts';
  const n = 80;
  check((await appendFromNode(gw, stream, 'e1')).status === 200, 'append e1 before subscribing');
  await t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(), transport: t.transport,
    url: `${proxy.url}/v1/streams/${stream}/events`, backoff: { initialDelayMs: 200, maxDelayMs: 2000 } });
  await t.waitFor('e1', t.obs, (o) => o.events.length >= 1);
  let cuts = 0;
  for (let i = 2; i <= n; i += 1) {
    const r = await appendFromNode(gw, stream, `e${i}`);
    if (r.status !== 200) {
      check(false, `append e${i}`, r);
    }
    if (i % 12 === 0) {
      // Wait for the page to have caught up a little, then cut; every other time the proxy also
      // sends the next resume point 5 seqs back, so the gateway replays what the page had.
      await t.waitFor(`e${i - 3} before cut ${cuts + 1}`, t.obs, (o) => o.events.length >= i - 3);
      proxy.rewindResume = cuts % 2 === 0 ? 5 : 0;
      proxy.cut();
      cuts += 1;
    }
    await sleep(40);
  }
  await t.waitFor(`all ${n} events`, t.obs, (o) => o.events.length >= n, 3 * step_ms);
  await sleep(1000);  // room for a late duplicate
  const o = await t.obs();
  checkExactlyOnce(o.events, n, `${cuts} cuts`);
  const resumes = proxy.requests.filter((r) => r.method === 'GET' && r.url.includes('last_event_id'));
  check(cuts === 6 && resumes.length >= cuts, 'the page resumed after every cut, with ?last_event_id=',
    { cuts, resumes: resumes.map((r) => r.url) });
  check(resumes.some((r) => r.forwarded !== r.url), 'some resumes were rewound (replays the page had to drop)',
    resumes.map((r) => r.forwarded));
  check(o.errors.every((e) => !e.fatal), 'no fatal error', o.errors);
  check(o.gaps.length === 0 && o.resets.length === 0, 'no gap, no reset', { gaps: o.gaps, resets: o.resets });
}

// renew: 2 s tokens over a 20 s stream.
async function scenarioRenew(t) {
  const stream = 'renew';
  const tokens = [];
  await startPage(t, {
    '/token': (req, res) => {
      tokens.push(Date.now());
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      res.end(mintToken({ exp: nowS() + 2, sse: { subscribe: [stream], publish: [] } }));
    },
  });
  const secretFile = path.join(t.work, 'secret');
  fs.writeFileSync(secretFile, secret);
  const gw = await gateway(t, 'gateway', ['--auth', 'jwt', '--auth-hs256-secret-file', secretFile,
    '--auth-leeway', '0s']);
  const proxy = await withProxy(t, gw);
  await openBrowser(t);
  const producer = { Authorization: `Bearer ${mintToken({ exp: nowS() + 600, sse: { publish: [stream] } })}` };
  check((await appendFromNode(gw, stream, 'e1', producer)).status === 200, 'append e1 before subscribing');
  await t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(), transport: t.transport,
    url: `${proxy.url}/v1/streams/${stream}/events`, tokenUrl: `${t.pageOrigin}/token` });
  const started = Date.now();
  let n = 1;
  while (Date.now() - started < 20_000) {
    n += 1;
    const r = await appendFromNode(gw, stream, `e${n}`, producer);
    if (r.status !== 200) {
      check(false, `append e${n}`, r);
    }
    await sleep(100);
  }
  await t.waitFor(`all ${n} events`, t.obs, (o) => o.events.length >= n);
  await sleep(1000);  // room for a duplicate
  // Stop renewing, so that the page's count of token() calls and the token server's agree.
  await t.page.evaluate(() => window.sub.close());
  await sleep(500);
  const o = await t.obs();
  checkExactlyOnce(o.events, n, `a 20 s stream with 2 s tokens (${n} events)`);
  check(o.tokens >= 9 && tokens.length === o.tokens, 'token() was asked for a fresh token at each renewal (>= 9)',
    { tokens: o.tokens });
  check(o.opens >= 9, 'the page reconnected at each expiry', { opens: o.opens });
  // Renewed on `auth_expired`, before anything failed: no 401, no lost connection, no backoff.
  check(o.errors.length === 0, 'every renewal came from auth_expired: no error, no retry', o.errors);
  const gets = proxy.requests.filter((r) => r.method === 'GET');
  // (The last one may still be waiting for its answer when this looks.)
  const answered = gets.filter((r) => r.status !== undefined);
  check(answered.length >= 9 && answered.length >= gets.length - 1 && answered.every((r) => r.status === 200),
    'each connection was answered 200 (none refused with an expired token)', gets.map((r) => r.status ?? null));
  check(gets.slice(1).every((r) => /[?&]last_event_id=[a-z0-9]+%3A\d+/.test(r.url)),
    'each renewed connection resumed with ?last_event_id=', gets.map((r) => r.url.replace(/token=[^&]+/, 'token=…')));
}

// reload: sessionStorage keeps the last id across page.reload().
async function scenarioReload(t) {
  await startPage(t);
  const gw = await gateway(t, 'gateway', []);
  await openBrowser(t);
  const stream = 'reload';
  const seen = [];
  await t.page.exposeFunction('reportEvent', (e) => { seen.push({ ...e, page: loads }); });
  let loads = 1;
  const n = 60;
  const start = () => t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(),
    transport: t.transport, url: `${gw.url}/v1/streams/${stream}/events`, useStorage: true });
  check((await appendFromNode(gw, stream, 'e1')).status === 200, 'append e1 before subscribing');
  const first = await start();
  check(first === '', 'the first load starts with no stored id', first);
  let reloadedFrom = null;
  for (let i = 2; i <= n; i += 1) {
    await appendFromNode(gw, stream, `e${i}`);
    if (i === 30) {
      await t.waitFor('e25 before the reload', () => Promise.resolve(seen.length), (c) => c >= 25);
      loads = 2;
      await t.page.reload();
      reloadedFrom = await start();
    }
    await sleep(50);
  }
  await t.waitFor(`all ${n} events over both loads`, () => Promise.resolve(seen.length), (c) => c >= n);
  await sleep(1000);
  const before = seen.filter((e) => e.page === 1).length;
  check(before >= 25 && before < n, 'the reload came mid-stream', { before, total: seen.length });
  check(/^[a-z0-9]+:\d+$/.test(reloadedFrom ?? '') && Number(reloadedFrom.split(':')[1]) >= 25,
    'the reloaded page started from the id sessionStorage kept', reloadedFrom);
  checkExactlyOnce(seen, n, 'before and after the reload');
}

// redis: a Redis outage (SIGSTOP) mid-stream; the page both produces (append) and subscribes.
async function scenarioRedis(t) {
  await startPage(t);
  const redis = await startRedis(t.work);
  t.cleanups.push(() => redis.kill());
  const gw = await gateway(t, 'gateway', ['--store', redis.url]);
  const proxy = await withProxy(t, gw);
  await openBrowser(t);
  const stream = 'outage';
  const n = 50;
  const everyMs = 200;
  await t.page.evaluate(startProducer, { moduleUrl: t.moduleUrl(), count: n, everyMs, retries: 20,
    url: `${gw.url}/v1/streams/${stream}/events` });
  await t.waitFor('the first appends', t.prod, (p) => p.results.length >= 3);
  await t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(), transport: t.transport,
    url: `${proxy.url}/v1/streams/${stream}/events`, backoff: { initialDelayMs: 500, maxDelayMs: 4000 } });
  await t.waitFor('events before the outage', t.obs, (o) => o.events.length >= 8);
  redis.stop();
  const stoppedAt = Date.now();
  await sleep(1500);
  const cutAt = Date.now();
  proxy.cut();  // the subscriber reconnects during the outage: held (200, heartbeats) until Redis is back
  await sleep(3500);
  redis.cont();
  const resumedAt = Date.now();
  console.log(`redis stopped ${resumedAt - stoppedAt} ms`);
  const p = await t.waitFor('the producer done', t.prod, (x) => x.done, 4 * step_ms);
  await t.waitFor(`all ${n} events`, t.obs, (o) => o.events.length >= n, 2 * step_ms);
  await sleep(1000);
  const o = await t.obs();
  check(p.failures.length === 0 && p.results.length === n, 'every append succeeded in the end',
    { failures: p.failures });
  check(p.results.every((r, i) => r.first_seq === i + 1 && r.last_seq === i + 1),
    'each append got its own seq (a retry that had been stored answered as that append)', p.results);
  const refused = p.retries.filter((r) => r.at >= stoppedAt && r.at <= resumedAt + 2000);
  check(refused.length > 0 && refused.every((r) => r.status === 503 && r.retryAfterMs === 1000),
    'appends during the outage were answered 503 with Retry-After: 1', p.retries);
  check(p.retries.every((r) => r.delayMs >= (r.retryAfterMs ?? 0)) &&
    p.retries.every((r) => r.delayMs <= 10_000), 'each retry waited at least Retry-After, bounded by 10 s',
  p.retries.map((r) => r.delayMs));
  console.log(`subscriber saw: ${JSON.stringify(o.errors)}`);
  // The gateway holds a subscriber while its store is down (200 and heartbeats, up to 30 s)
  // rather than refusing it: the reconnect after the cut is answered 200 and waits.
  const during = proxy.requests.filter((r) => r.method === 'GET' && r.at > cutAt && r.at < resumedAt);
  check(during.length >= 1 && during.every((r) => r.status === 200),
    'the subscriber reconnected during the outage and was held (200), not refused', during);
  checkExactlyOnce(o.events, n, 'across the outage');
  check(o.errors.every((e) => !e.fatal), 'the subscription never gave up', o.errors);
  const info = await nodeRequest(`${gw.url}/v1/streams/${stream}`);
  check(info.status === 200 && JSON.parse(info.body).last_seq === n, `the stream holds exactly ${n} events`, info.body);
}

// busy: the page's subscribe is answered 503 Retry-After: 5 until the slot frees.
async function scenarioBusy(t) {
  await startPage(t);
  const gw = await gateway(t, 'gateway', ['--max-subscribers-per-stream', '1']);
  const proxy = await withProxy(t, gw);
  await openBrowser(t);
  const stream = 'busy';
  for (let i = 1; i <= 3; i += 1) {
    await appendFromNode(gw, stream, `e${i}`);
  }
  // Another subscriber holds the stream's only slot.
  const blocker = new AbortController();
  const held = fetch(`${gw.url}/v1/streams/${stream}/events`, { signal: blocker.signal })
    .then((r) => r.status).catch(() => 'aborted');
  await sleep(300);
  const started = Date.now();
  await t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(), transport: t.transport,
    url: `${proxy.url}/v1/streams/${stream}/events`, backoff: { initialDelayMs: 200, maxDelayMs: 2000 } });
  await t.waitFor('the refusal reported', t.obs, (o) => o.errors.length >= 1);
  await sleep(6000);
  blocker.abort();
  check(await held === 200, 'the blocking subscriber had the slot');
  await t.waitFor('e1-e3', t.obs, (o) => o.events.length >= 3, 2 * step_ms);
  for (let i = 4; i <= 5; i += 1) {
    await appendFromNode(gw, stream, `e${i}`);
  }
  await t.waitFor('e4, e5 live', t.obs, (o) => o.events.length >= 5);
  const o = await t.obs();
  checkExactlyOnce(o.events, 5, 'after waiting for the slot');
  const refusals = o.errors.filter((e) => e.status === 503);
  check(refusals.length >= 1 && refusals.every((e) => e.retryAfterMs === 5000 && e.retryInMs >= 5000 && !e.fatal),
    'the client learnt 503 and Retry-After: 5 and planned each retry no sooner', o.errors);
  const attempts = proxy.requests.filter((r) => r.method === 'GET').map((r) => r.at);
  const gaps = attempts.slice(1).map((a, i) => a - attempts[i]);
  // eventsource: each attempt is an EventSource and its probe (two requests close together).
  const spaced = [];
  for (const g of gaps) {
    if (g > 1000) {
      spaced.push(g);
    }
  }
  check(spaced.length >= 1 && spaced.every((g) => g >= 5000) && Date.now() - started < 30_000,
    'attempts were at least 5 s apart (Retry-After), and the wait stayed bounded', { gaps });
}

// markers: gap, reset, end and 204 reach the page as calls, and the client stops at the end.
async function scenarioMarkers(t) {
  await startPage(t);
  const gw = await gateway(t, 'gateway', []);
  const proxy = await withProxy(t, gw);
  await openBrowser(t);
  const json = { 'Content-Type': 'application/json' };
  const named = (name) => () => t.page.evaluate((n) => JSON.parse(JSON.stringify(window.named?.[n] ?? null)), name);
  const start = (name, stream, lastEventId) => t.page.evaluate(startSubscriber, { moduleUrl: t.moduleUrl(),
    transport: t.transport, url: `${proxy.url}/v1/streams/${stream}/events`, lastEventId, name,
    backoff: { initialDelayMs: 200, maxDelayMs: 1000 } });

  // A stream that keeps 2 events: e1 and e2 are trimmed before anyone reads.
  await nodeRequest(`${gw.url}/v1/streams/trimmed`, 'PUT', '{"buffer_limit":2}', json);
  for (let i = 1; i <= 4; i += 1) {
    await appendFromNode(gw, 'trimmed', `e${i}`);
  }
  await start('gap', 'trimmed');
  let o = await t.waitFor('gap, e3, e4', named('gap'), (x) => x?.events.length >= 2);
  check(o.gaps.length === 1 && o.gaps[0].from === 1 && o.gaps[0].to === 2 && o.gaps[0].reason === 'trimmed',
    'onGap: seqs 1-2 trimmed', o.gaps);
  check(o.events.map((e) => e.seq).join() === '3,4', 'then e3, e4', o.events);
  const end = await nodeRequest(`${gw.url}/v1/streams/trimmed/end`, 'POST', '{"status":"completed"}', json);
  o = await t.waitFor('the end', named('gap'), (x) => x?.ends.length >= 1 && x.done);
  check(o.ends.length === 1 && o.ends[0].status === 'completed' && o.done === 'end' && o.stateAtEnd === 'closed',
    'onEnd with the status; the subscription is closed', { ends: o.ends, done: o.done, state: o.stateAtEnd });

  // A resume point at the end: 204, which the client must take as the end (no retry).
  const endId = `${JSON.parse(end.body).epoch}:${JSON.parse(end.body).last_seq}`;
  const before = proxy.requests.length;
  await start('204', 'trimmed', endId);
  o = await t.waitFor('the 204 end', named('204'), (x) => x?.ends.length >= 1);
  await sleep(1500);  // room for a (wrong) retry
  o = await named('204')();
  const gets = proxy.requests.slice(before).filter((r) => r.method === 'GET');
  check(o.ends.length === 1 && o.ends[0].status === null && o.done === 'end' && o.errors.length === 0,
    'a resume at the end: onEnd (status null), no error', o);
  check(gets.length >= 1 && gets.every((r) => r.status === 204) &&
    gets.length === (t.transport === 'eventsource' ? 2 : 1),
  'answered 204, and nothing was asked again (eventsource: its request and one probe)', gets);

  // A resume point of another epoch: reset, then the stream from seq 1.
  for (let i = 1; i <= 3; i += 1) {
    await appendFromNode(gw, 'other', `e${i}`);
  }
  await start('reset', 'other', 'zzzzzz:2');
  o = await t.waitFor('reset, e1-e3', named('reset'), (x) => x?.events.length >= 3);
  check(o.resets.length === 1 && o.resets[0].reason === 'epoch' && o.resets[0].last_seq === 3,
    'onReset (reason epoch)', o.resets);
  checkExactlyOnce(o.events, 3, 'after the reset');
}

// append: the proxy loses every third append's answer after the gateway stored it.
async function scenarioAppend(t) {
  await startPage(t);
  const gw = await gateway(t, 'gateway', []);
  const proxy = await withProxy(t, gw);
  let posts = 0;
  proxy.loseAnswer = (req) => req.method === 'POST' && (posts += 1) % 3 === 1;
  await openBrowser(t);
  const stream = 'appends';
  const n = 12;
  await t.page.evaluate(startProducer, { moduleUrl: t.moduleUrl(), count: n, everyMs: 20, retries: 5,
    url: `${proxy.url}/v1/streams/${stream}/events` });
  const p = await t.waitFor('the producer done', t.prod, (x) => x.done, 3 * step_ms);
  const lost = proxy.requests.filter((r) => r.lost);
  check(lost.length >= 4 && lost.every((r) => r.status === 200), 'answers of stored appends were lost', lost);
  check(p.failures.length === 0 && p.results.length === n, 'every append() resolved', p.failures);
  check(p.retries.length === lost.length, 'each lost answer was retried once', p.retries);
  check(p.results.every((r, i) => r.first_seq === i + 1 && r.last_seq === i + 1),
    'every append() resolved with its own seq (the retries were answered as the stored append)', p.results);
  const info = await nodeRequest(`${gw.url}/v1/streams/${stream}`);
  check(info.status === 200 && JSON.parse(info.body).last_seq === n, `the stream holds exactly ${n} events`, info.body);
  // Read it back to its end: e1..en, once each.
  await nodeRequest(`${gw.url}/v1/streams/${stream}/end`, 'POST', '{}');
  const read = await nodeRequest(`${gw.url}/v1/streams/${stream}/events`);
  const datas = [...read.body.matchAll(/^data: (e\d+)$/gm)].map((m) => m[1]);
  check(JSON.stringify(datas) === JSON.stringify(Array.from({ length: n }, (_, i) => `e${i + 1}`)),
    'read back, the stream is e1..en, once each', datas);
}

const scenarios = { cuts: scenarioCuts, renew: scenarioRenew, reload: scenarioReload,
  redis: scenarioRedis, busy: scenarioBusy, append: scenarioAppend, markers: scenarioMarkers };

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway', 'client-dir', 'scenario']);
  const scenario = scenarios[args.scenario];
  if (!scenario) {
    throw new Error(`unknown --scenario ${args.scenario} (${Object.keys(scenarios).join(', ')})`);
  }
  const t = setup(args);
  console.log(`scenario ${args.scenario}, transport ${t.transport}`);
  try {
    await scenario(t);
    for (const gw of t.gateways) {
      check(gw.exited() === null, `gateway ${gw.name} kept running`, gw.exited());
    }
  } finally {
    if (failed()) {
      console.log('page console:');
      for (const line of t.consoleLines.slice(-50)) {
        console.log(`  ${line}`);
      }
    }
    if (t.context) {
      await within(t.context.close(), step_ms, 'chromium close').catch((e) => console.log(`${e}`));
    }
    for (const gw of t.gateways) {
      await stopGateway(gw);
      if (failed()) {
        console.log(`gateway ${gw.name} log (tail):\n${gatewayLog(gw).slice(-3000)}`);
      }
    }
    for (const c of t.cleanups) {
      await c();
    }
    for (const s of t.servers) {
      await closeServer(s);
    }
    // Chromium's helpers may still be writing the profile for a moment after close.
    try {
      fs.rmSync(t.work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.log(`note: could not remove ${t.work}: ${e}`);
    }
  }
}

run('js_client_browser_test', main, overall_ms);
