// Token renewal in a browser (issue 18): a page in headless Debian chromium (playwright-core)
// subscribes with a short-lived `?token=`, and runs the README's recipe (Access control): on
// `auth_expired` it closes its EventSource, fetches a fresh token from its own server and opens
// a new EventSource with `?token=<fresh>&last_event_id=<last id seen>`. A producer appends
// before the expiry, between the expiry and the renewal (replayed on resume) and after the
// renewal (live). Checked on what the page observed: every event exactly once and in order, one
// `auth_expired`, and no `error` event on either EventSource (before issue 18 the gateway's
// expiry event was itself named `error`, which the page's error listener received).
//
// Only 127.0.0.1: the gateway (started here from --gateway, `--auth jwt` with an HS256 secret)
// and the page server (the page and its `/token` endpoint) listen there.
//
// Usage: node auth_renew_browser_test.mjs --gateway BIN [--chromium /usr/bin/chromium]

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const step_ms = 10_000;  // any one wait: a page step, a process start, a server start
const overall_ms = 120_000;
const short_lived_s = 3;  // the first token's lifetime
const stream = 'renew';
const secret = 'auth-renew-browser-test-secret-0123456789';

function parseArgs(argv) {
  const args = { chromium: '/usr/bin/chromium' };
  for (let i = 2; i < argv.length; i += 2) {
    args[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!args.gateway) {
    throw new Error('missing --gateway');
  }
  return args;
}

let failures = 0;
let checks = 0;
function check(condition, message, detail) {
  checks += 1;
  if (condition) {
    console.log(`ok   ${message}`);
  } else {
    failures += 1;
    console.log(`FAIL ${message}${detail === undefined ? '' : `\n     saw: ${JSON.stringify(detail)}`}`);
  }
}

function within(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// HS256 JWT, as an application's token endpoint would mint it.
function mintToken(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const sig = crypto.createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}
const nowS = () => Math.floor(Date.now() / 1000);
const readToken = (lifetimeS) =>
  mintToken({ exp: nowS() + lifetimeS, sse: { subscribe: [stream], publish: [] } });
const producerToken = mintToken({ exp: nowS() + 600, sse: { subscribe: [], publish: [stream] } });

function listen(server) {
  return within(new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  }), step_ms, 'listen on 127.0.0.1');
}

function closeServer(server) {
  server.closeAllConnections?.();
  return within(new Promise((resolve) => server.close(() => resolve())), step_ms, 'close server')
    .catch(() => {});
}

// A request from Node (the producer, or a look at the gateway's state).
function nodeRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return within(new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  }), step_ms, `${method} ${url}`);
}

const children = new Set();

async function startGateway(bin, dir, extraArgs) {
  const portFile = path.join(dir, 'gateway.port');
  const logFile = path.join(dir, 'gateway.log');
  const log = fs.openSync(logFile, 'w');
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--port-file', portFile,
    '--telemetry', 'none', '--threads', '1', ...extraArgs], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  children.add(child);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const until = Date.now() + step_ms;
  while (Date.now() < until) {
    if (exited) {
      throw new Error(`gateway exited at start (${JSON.stringify(exited)}):\n` +
        fs.readFileSync(logFile, 'utf8'));
    }
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) {
      return { child, url: `http://127.0.0.1:${text}`, logFile, exited: () => exited };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`gateway wrote no port file within ${step_ms} ms`);
}

async function stopGateway(gw) {
  if (!gw || gw.exited()) {
    return;
  }
  const done = new Promise((resolve) => gw.child.once('exit', resolve));
  gw.child.kill('SIGTERM');
  await within(done, step_ms, 'gateway exit').catch(() => gw.child.kill('SIGKILL'));
}

// ---- What runs in the page (serialized by playwright: no closures over this file). ----
// The README's recipe, instrumented: window.obs records what the page saw.
function startRecipe({ gw, stream }) {
  const obs = { received: [], authExpired: [], errors: [], opened: 0, sources: 0, renewals: 0 };
  window.obs = obs;
  let lastId = '';
  function subscribe(token) {
    const q = new URLSearchParams({ token });
    if (lastId) {
      q.set('last_event_id', lastId);
    }
    const es = new EventSource(`${gw}/v1/streams/${stream}/events?${q}`);
    const source = ++obs.sources;
    es.onopen = () => { obs.opened += 1; };
    es.addEventListener('token', (e) => {
      lastId = e.lastEventId;
      obs.received.push({ id: e.lastEventId, data: e.data, source });
    });
    es.addEventListener('error', (e) => {
      // A MessageEvent here is an in-stream `event: error`; a plain Event is a failed connection.
      obs.errors.push({ source, data: e.data ?? null, readyState: es.readyState });
    });
    es.addEventListener('auth_expired', async (e) => {
      obs.authExpired.push({ source, data: e.data });
      es.close();
      const r = await fetch('/token');
      obs.renewals += 1;
      subscribe(await r.text());
    });
    es.addEventListener('end', () => es.close());
  }
  return fetch('/token').then((r) => r.text()).then((t) => { subscribe(t); return true; });
}

// ---- The test. ----

async function main() {
  const args = parseArgs(process.argv);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-renew-browser-'));
  let gw;
  let context;
  let page;
  const consoleLines = [];
  const tokenRequests = [];
  // The producer, from Node: appends one `token` event and returns the gateway's answer.
  const append = (data) => nodeRequest(`${gw.url}/v1/streams/${stream}/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${producerToken}` },
    body: JSON.stringify({ data, event: 'token' }),
  });
  let firstExp = 0;
  const appendsAtRenewal = [];
  // The page's own server: the page, and /token (a short-lived token first, then a fresh one).
  // The renewal request is answered only after the producer appended two more events, so that
  // those lie between the expiry and the new subscription and must come by resume.
  const pages = http.createServer(async (req, res) => {
    if (req.url === '/token') {
      tokenRequests.push(Date.now());
      let token;
      if (tokenRequests.length === 1) {
        firstExp = nowS() + short_lived_s;
        token = mintToken({ exp: firstExp, sse: { subscribe: [stream], publish: [] } });
      } else {
        appendsAtRenewal.push({ at_s: Date.now() / 1000, exp: firstExp });
        for (const data of ['e4', 'e5']) {
          appendsAtRenewal.push(await append(data).catch((e) => ({ error: String(e) })));
        }
        token = readToken(600);
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
      res.end(token);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>renew test page</title><p>page</p>');
  });
  const obsOf = () => page.evaluate(() => JSON.parse(JSON.stringify(window.obs)));
  const waitFor = async (what, pred) => {
    const until = Date.now() + step_ms;
    while (Date.now() < until) {
      const o = await obsOf();
      if (pred(o)) {
        return o;
      }
      await sleep(50);
    }
    throw new Error(`timed out after ${step_ms} ms waiting for: ${what}\n` +
      `page saw: ${JSON.stringify(await obsOf())}`);
  };
  try {
    const pageOrigin = `http://127.0.0.1:${await listen(pages)}`;
    const secretFile = path.join(work, 'secret');
    fs.writeFileSync(secretFile, secret);
    gw = await startGateway(args.gateway, work, ['--auth', 'jwt', '--auth-hs256-secret-file',
      secretFile, '--auth-leeway', '0s', '--heartbeat', '500ms', '--cors-origin', pageOrigin]);
    console.log(`page ${pageOrigin}, gateway ${gw.url}`);

    for (const data of ['e1', 'e2']) {
      const r = await append(data);
      check(r.status === 200, `append ${data} before the page subscribes`, r);
    }

    const userDataDir = fs.mkdtempSync(path.join(work, 'chromium-'));
    context = await within(chromium.launchPersistentContext(userDataDir, {
      executablePath: args.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
      timeout: step_ms,
    }), 2 * step_ms, 'chromium start');
    page = await context.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e}`));
    page.setDefaultTimeout(step_ms);
    await page.goto(`${pageOrigin}/`);
    await within(page.evaluate(startRecipe, { gw: gw.url, stream }), step_ms, 'page start');

    await waitFor('e1 and e2 replayed', (o) => o.received.length >= 2);
    const live = await append('e3');
    check(live.status === 200, 'append e3 while the page is subscribed', live);
    await waitFor('e3 live', (o) => o.received.length >= 3);

    // The expiry (about 3 s after the first token), the renewal (its /token appends e4, e5),
    // then e4 and e5 by resume.
    await waitFor('the renewal', (o) => o.renewals >= 1);
    await waitFor('e4 and e5 after the renewal', (o) => o.received.length >= 5);
    for (const data of ['e6', 'e7']) {
      const r = await append(data);
      check(r.status === 200, `append ${data} after the renewal`, r);
    }
    await waitFor('e6 and e7 live on the new EventSource', (o) => o.received.length >= 7);
    await sleep(1000);  // room for a duplicate or a late error to show up
    const o = await obsOf();

    const datas = o.received.map((e) => e.data);
    check(JSON.stringify(datas) === JSON.stringify(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']),
      'the page got every event exactly once, in order, across the renewal', o.received);
    const seqs = o.received.map((e) => Number(String(e.id).split(':').pop()));
    check(seqs.every((s, i) => s === i + 1), 'event ids are seqs 1..7 in order', o.received);
    check(JSON.stringify(o.received.map((e) => e.source)) ===
      JSON.stringify([1, 1, 1, 2, 2, 2, 2]),
    'e1-e3 came on the first EventSource, e4-e7 on the renewed one', o.received);
    const renewalAppends = appendsAtRenewal.slice(1);
    check(appendsAtRenewal.length === 3 && appendsAtRenewal[0].at_s >= appendsAtRenewal[0].exp &&
      renewalAppends.every((r) => r.status === 200),
    'e4 and e5 were appended after the first token expired, before the new subscription',
    appendsAtRenewal);
    check(o.authExpired.length === 1 && o.authExpired[0].source === 1 &&
      String(o.authExpired[0].data).includes('token_expired'),
    'one auth_expired event (data naming token_expired) ended the first subscription',
    o.authExpired);
    check(o.errors.length === 0,
      'the page\'s error listener never fired (no in-stream `error`, no reconnect with the ' +
      'expired token)', o.errors);
    check(o.sources === 2 && o.opened === 2 && tokenRequests.length === 2,
      'two EventSources opened, two tokens fetched', { sources: o.sources, opened: o.opened,
        tokens: tokenRequests.length });
    const info = await nodeRequest(`${gw.url}/v1/streams/${stream}`,
      { headers: { Authorization: `Bearer ${readToken(60)}` } });
    check(info.status === 200 && JSON.parse(info.body).last_seq === 7,
      'the stream holds exactly the seven appended events', info);
    check(gw.exited() === null, 'the gateway kept running', gw.exited());
  } finally {
    if (failures > 0) {
      console.log('page console:');
      for (const line of consoleLines) {
        console.log(`  ${line}`);
      }
    }
    if (context) {
      await within(context.close(), step_ms, 'chromium close').catch((e) => console.log(`${e}`));
    }
    await stopGateway(gw);
    await closeServer(pages);
    if (failures > 0 && gw) {
      console.log(`gateway log:\n${fs.readFileSync(gw.logFile, 'utf8')}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.log(`FAIL auth_renew_browser_test did not finish within ${overall_ms} ms`);
  for (const child of children) {
    child.kill('SIGKILL');
  }
  process.exit(1);
}, overall_ms);

main().then(() => {
  clearTimeout(watchdog);
  console.log(`${checks - failures}/${checks} checks passed`);
  process.exit(failures === 0 && checks > 0 ? 0 : 1);
}).catch((e) => {
  clearTimeout(watchdog);
  console.log(`FAIL ${e.stack ?? e}`);
  process.exit(1);
});
