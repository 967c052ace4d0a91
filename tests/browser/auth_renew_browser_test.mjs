// Token renewal in a browser: a page in headless Debian chromium (playwright-core) subscribes with
// a short-lived `?token=`, and runs the README's recipe (Access control, the block marked
// `readme-test: auth-renew`, as written there; the page only wraps EventSource to observe it): on
// `auth_expired` it closes its EventSource, fetches a fresh token from its own server and opens a
// new EventSource with `?token=<fresh>&last_event_id=<last id seen>`. A producer appends before the
// expiry, between the expiry and the renewal (replayed on resume) and after the renewal (live).
// Checked on what the page observed: every event exactly once and in order, one `auth_expired`, and
// no `error` event on either EventSource (the gateway's expiry event was once itself named `error`,
// which the page's error listener received).
//
// Only 127.0.0.1: the gateway (started here from --gateway, `--auth jwt` with an HS256 secret;
// the page is on its origin) and the application's token server (`/token`) listen there.
//
// Usage: node auth_renew_browser_test.mjs --gateway BIN --readme README.md [--chromium BIN]

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, gatewayLog, launchChromium, listen, mintHs256, nodeRequest, nowS,
  parseArgs, readmeBlocks, run, startGateway, step_ms, stopGateway, within,
} from './harness.mjs';

const overall_ms = 120_000;
const short_lived_s = 3;  // the first token's lifetime
const stream = 'renew';
const secret = 'auth-renew-browser-test-secret-0123456789';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// HS256 JWT, as an application's token endpoint would mint it.
const mintToken = (claims) => mintHs256(secret, claims);
const readToken = (lifetimeS) =>
  mintToken({ exp: nowS() + lifetimeS, sse: { subscribe: [stream], publish: [] } });
const producerToken = mintToken({ exp: nowS() + 600, sse: { subscribe: [], publish: [stream] } });

// ---- What runs in the page (serialized by playwright: no closures over this file). ----
// The README's recipe as written (`code`), in a page of the gateway's origin. The page wraps
// EventSource before the recipe runs, so window.obs records what every EventSource the recipe
// opens sees (opens, events, errors) without changing the recipe's code.
function startReadmeRecipe({ code, stream, tokenUrl }) {
  const obs = { received: [], authExpired: [], errors: [], opened: 0, sources: 0, renewals: 0 };
  window.obs = obs;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      const source = ++obs.sources;
      this.addEventListener('open', () => { obs.opened += 1; });
      this.addEventListener('token', (e) => {
        obs.received.push({ id: e.lastEventId, data: e.data, source });
      });
      this.addEventListener('error', (e) => {
        // A MessageEvent here is an in-stream `event: error`; a plain Event a failed connection.
        obs.errors.push({ source, data: e.data ?? null, readyState: this.readyState });
      });
      this.addEventListener('auth_expired', (e) => obs.authExpired.push({ source, data: e.data }));
    }
  };
  const appended = [];
  const fetchFreshToken = async () => {
    const token = await (await fetch(tokenUrl)).text();
    obs.renewals = obs.sources;  // the first fetch is the initial token, not a renewal
    return token;
  };
  const subscribe = new Function('id', 'append', 'fetchFreshToken', `${code}\nreturn subscribe;`)(
    stream, (data) => appended.push(data), fetchFreshToken);
  return fetchFreshToken().then((t) => { subscribe(t); return true; });
}

// ---- The test. ----

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway', 'readme']);
  const recipe = readmeBlocks(fs.readFileSync(args.readme, 'utf8'))
    .filter((b) => b.marker === 'auth-renew');
  if (recipe.length !== 1) {
    throw new Error(`README.md must hold one block marked auth-renew, not ${recipe.length}`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-renew-browser-'));
  let gw;
  let context;
  let page;
  const consoleLines = [];
  const tokenRequests = [];
  // The producer, from Node: appends one `token` event and returns the gateway's answer.
  const append = (data) => nodeRequest(`${gw.url}/v1/streams/${stream}/events`, 'POST',
    JSON.stringify({ data, event: 'token' }),
    { 'Content-Type': 'application/json', Authorization: `Bearer ${producerToken}` });
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
      // The page runs on the gateway's origin: this token endpoint is another one.
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store',
        'Access-Control-Allow-Origin': '*' });
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
    gw = await startGateway(args.gateway, work, 'gateway', ['--auth', 'jwt', '--auth-hs256-secret-file',
      secretFile, '--auth-leeway', '0s', '--heartbeat', '500ms']);
    console.log(`page ${pageOrigin}, gateway ${gw.url}`);

    for (const data of ['e1', 'e2']) {
      const r = await append(data);
      check(r.status === 200, `append ${data} before the page subscribes`, r);
    }

    context = await launchChromium(args.chromium, work);
    page = await context.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e}`));
    page.setDefaultTimeout(step_ms);
    await page.goto(`${gw.url}/healthz`);
    await within(page.evaluate(startReadmeRecipe,
      { code: recipe[0].body, stream, tokenUrl: `${pageOrigin}/token` }), step_ms, 'page start');

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
    const info = await nodeRequest(`${gw.url}/v1/streams/${stream}`, 'GET', undefined,
      { Authorization: `Bearer ${readToken(60)}` });
    check(info.status === 200 && JSON.parse(info.body).last_seq === 7,
      'the stream holds exactly the seven appended events', info);
    check(gw.exited() === null, 'the gateway kept running', gw.exited());
  } finally {
    if (failed()) {
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
    if (failed() && gw) {
      console.log(`gateway log:\n${gatewayLog(gw)}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

run('auth_renew_browser_test', main, overall_ms);
