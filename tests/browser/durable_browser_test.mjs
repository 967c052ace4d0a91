// The Durable Streams door (/v1/stream/{path}) from a page on another origin, in headless Debian
// chromium (playwright-core), with the gateway's --cors-origin: the page creates a JSON stream
// with fetch PUT, appends with POST (one as an idempotent producer), reads catch-up with fetch
// and the protocol's response headers it needs (Stream-Next-Offset, Stream-Up-To-Date, ETag, and
// Stream-Cursor from a long-poll; a browser hides them unless Access-Control-Expose-Headers
// names them), revalidates with If-None-Match (304), and follows live=sse with a native
// EventSource. The connection under the EventSource is then cut while the page keeps appending:
// the browser reconnects to the same URL by itself with Last-Event-ID, and the page must get
// every message exactly once, in order. A page on an origin that is not listed is refused.
//
// The cut is real: the page talks to the gateway through a TCP proxy on 127.0.0.1 (another
// origin than the page's) that, when the test says so, destroys the sockets that carry a live=sse
// response. Everything else passes through untouched. Every wait is bounded.
//
// Usage: node durable_browser_test.mjs --gateway BIN [--chromium /usr/bin/chromium]

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, gatewayLog, launchChromium, listen, nodeRequest, parseArgs, run,
  startGateway, step_ms, stopGateway, tcpProxy, within,
} from './harness.mjs';

const overall_ms = 150_000;
const total = 12;  // messages {"n":1} .. {"n":12}

// A TCP proxy to `port`; cutSse() destroys every connection whose latest request was a live=sse
// read (an HTTP/1.1 connection streaming an SSE answer carries nothing else).
function cuttingProxy(port) {
  const sse = new Set();
  const proxy = tcpProxy(port, (pair, text) => {
    if (/^GET \/v1\/stream\/[^ ]*live=sse/.test(text)) {
      sse.add(pair);
    } else {
      sse.delete(pair);
    }
  });
  const cutSse = () => {
    const n = proxy.cut((pair) => sse.has(pair));
    sse.clear();
    return n;
  };
  return { server: proxy.server, cutSse, destroyAll: () => proxy.cut() };
}

// A page server: one blank page; what runs in it comes from page.evaluate.
function pageServer() {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>ds page</title><p>page</p>');
  });
}

// ---- What runs inside the pages (serialized by playwright: no closures over this file). ----

// Create, appends, catch-up, revalidation, long-poll: what the page saw of each answer.
async function writeAndReadScenario({ url, stepMs }) {
  const within = (p, what) => {
    let timer;
    return Promise.race([p, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), stepMs);
    })]).finally(() => clearTimeout(timer));
  };
  const obs = {};
  const attempt = async (name, fn) => {
    try {
      obs[name] = await within(fn(), name);
    } catch (e) {
      obs[name] = { error: String(e) };
    }
  };
  const pick = (r, names) => Object.fromEntries(names.map((n) => [n, r.headers.get(n)]));
  const json = { 'Content-Type': 'application/json' };

  await attempt('create', async () => {
    const r = await fetch(url, { method: 'PUT', headers: json });
    return { status: r.status, ...pick(r, ['Location', 'Stream-Next-Offset']) };
  });
  obs.appends = [];
  for (const n of [1, 2]) {
    await attempt(`append${n}`, async () => {
      const r = await fetch(url, { method: 'POST', headers: json, body: JSON.stringify({ n }) });
      return { status: r.status, ...pick(r, ['Stream-Next-Offset']) };
    });
  }
  // The third as an idempotent producer: its headers must pass the preflight, and its answer's
  // must be readable.
  await attempt('append3', async () => {
    const r = await fetch(url, {
      method: 'POST',
      headers: { ...json, 'Producer-Id': 'page', 'Producer-Epoch': '0', 'Producer-Seq': '0' },
      body: JSON.stringify({ n: 3 }),
    });
    return { status: r.status, ...pick(r, ['Stream-Next-Offset', 'Producer-Epoch', 'Producer-Seq']) };
  });
  await attempt('catchup', async () => {
    const r = await fetch(`${url}?offset=-1`, { cache: 'no-store' });
    return {
      status: r.status, body: await r.json(),
      ...pick(r, ['Stream-Next-Offset', 'Stream-Up-To-Date', 'ETag', 'Content-Type']),
    };
  });
  // If-None-Match is no safelisted request header: it is preflighted.
  await attempt('revalidate', async () => {
    const r = await fetch(`${url}?offset=-1`,
      { cache: 'no-store', headers: { 'If-None-Match': obs.catchup?.ETag ?? '"none"' } });
    return { status: r.status, body: await r.text(), ...pick(r, ['ETag']) };
  });
  // A long-poll from after the second message answers at once with the third and a cursor.
  await attempt('longpoll', async () => {
    const from = encodeURIComponent(obs.append2?.['Stream-Next-Offset'] ?? 'missing');
    const r = await fetch(`${url}?live=long-poll&offset=${from}`, { cache: 'no-store' });
    return {
      status: r.status, body: await r.json(),
      ...pick(r, ['Stream-Next-Offset', 'Stream-Up-To-Date', 'Stream-Cursor']),
    };
  });
  return obs;
}

// Opens the EventSource; window.__live collects what it hands the page. Resolves at the first
// control event (or an error).
async function openLive({ url, stepMs }) {
  const live = { messages: [], ids: [], controls: [], opens: 0, errors: 0 };
  window.__live = live;
  const es = new EventSource(url);
  window.__es = es;
  es.onopen = () => { live.opens += 1; };
  es.addEventListener('data', (e) => {
    live.ids.push(e.lastEventId);
    for (const m of JSON.parse(e.data)) {
      live.messages.push(m.n);
    }
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: 'no control event' }), stepMs);
    es.addEventListener('control', (e) => {
      live.controls.push(JSON.parse(e.data));
      clearTimeout(timer);
      resolve({ control: live.controls[0], messages: live.messages.slice() });
    });
    es.onerror = () => {
      live.errors += 1;
      if (live.opens === 0) {
        clearTimeout(timer);
        resolve({ error: `EventSource error before open, readyState ${es.readyState}` });
      }
    };
  });
}

// Appends {"n":from} .. {"n":to}, one POST each; the statuses.
async function appendRange({ url, from, to }) {
  const statuses = [];
  for (let n = from; n <= to; n += 1) {
    const r = await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n }),
    });
    statuses.push(r.status);
  }
  return statuses;
}

// A page on an origin the gateway does not list: the browser must refuse every answer.
async function refusedScenario({ url, existing, stepMs }) {
  const within = (p, what) => {
    let timer;
    return Promise.race([p, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), stepMs);
    })]).finally(() => clearTimeout(timer));
  };
  const outcome = async (fn) => {
    try {
      const r = await within(fn(), 'fetch');
      return { status: r.status };
    } catch (e) {
      return { error: String(e) };
    }
  };
  const obs = {};
  obs.create = await outcome(() => fetch(url, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' },
  }));
  obs.read = await outcome(() => fetch(`${existing}?offset=-1`, { cache: 'no-store' }));
  obs.eventsource = await within(new Promise((resolve) => {
    const es = new EventSource(`${existing}?offset=-1&live=sse`);
    es.onopen = () => { es.close(); resolve('open'); };
    es.onerror = () => { const s = es.readyState; es.close(); resolve(s === 2 ? 'closed' : `error-${s}`); };
  }), 'EventSource').catch((e) => String(e));
  return obs;
}

// ---- The test. ----

const offsetRe = /^[0-9]{20}$/;

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-browser-'));
  const allowedPages = pageServer();
  const otherPages = pageServer();
  let gw;
  let proxy;
  let context;
  const consoleLines = [];
  const sseRequests = [];
  try {
    const allowedOrigin = `http://127.0.0.1:${await listen(allowedPages)}`;
    const otherOrigin = `http://127.0.0.1:${await listen(otherPages)}`;
    // A list whose second entry is the page: a gateway answering the list, or its first entry,
    // fails.
    gw = await startGateway(args.gateway, work, 'gateway',
      ['--cors-origin', `https://app.example, ${allowedOrigin}`]);
    proxy = cuttingProxy(gw.port);
    const door = `http://127.0.0.1:${await listen(proxy.server)}`;
    console.log(`pages ${allowedOrigin} (listed) and ${otherOrigin} (not listed); gateway ` +
      `${gw.url} behind the cutting proxy ${door}`);

    context = await launchChromium(args.chromium, work);
    context.on('request', async (r) => {
      if (r.url().includes('live=sse')) {
        const h = await r.allHeaders().catch(() => ({}));
        sseRequests.push({ url: r.url(), lastEventId: h['last-event-id'] ?? null });
      }
    });
    const page = await context.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e}`));
    page.setDefaultTimeout(step_ms);
    await page.goto(`${allowedOrigin}/`);

    // 1. Writes and reads with fetch.
    const url = `${door}/v1/stream/browser/chat-1`;
    const w = await within(page.evaluate(writeAndReadScenario, { url, stepMs: step_ms }),
      6 * step_ms, 'write and read scenario');
    check(w.create?.status === 201 && String(w.create.Location).endsWith('/v1/stream/browser/chat-1') &&
      offsetRe.test(w.create['Stream-Next-Offset'] ?? ''),
    'fetch PUT (preflighted) creates the stream; the page reads Location and Stream-Next-Offset',
    w.create);
    const offsets = [w.create, w.append1, w.append2, w.append3].map((a) => a?.['Stream-Next-Offset']);
    check(w.append1?.status === 204 && w.append2?.status === 204 && w.append3?.status === 200 &&
      offsets.every((o) => offsetRe.test(o ?? '')) && offsets.every((o, i) => i === 0 || o > offsets[i - 1]),
    'three fetch POSTs append; the page reads a growing Stream-Next-Offset from each', offsets);
    check(w.append3?.status === 200 && w.append3['Producer-Epoch'] === '0' &&
      w.append3['Producer-Seq'] === '0',
    'an idempotent producer\'s append passes the preflight and the page reads Producer-Epoch/-Seq',
    w.append3);
    check(w.catchup?.status === 200 && JSON.stringify(w.catchup.body) === '[{"n":1},{"n":2},{"n":3}]' &&
      w.catchup['Stream-Next-Offset'] === offsets[3] && w.catchup['Stream-Up-To-Date'] === 'true' &&
      typeof w.catchup.ETag === 'string' && w.catchup.ETag.length > 2,
    'a catch-up fetch reads the three messages, Stream-Next-Offset, Stream-Up-To-Date and ETag',
    w.catchup);
    check(w.revalidate?.status === 304 && w.revalidate.body === '',
      'If-None-Match with that ETag (preflighted) is answered 304 to the page', w.revalidate);
    check(w.longpoll?.status === 200 && JSON.stringify(w.longpoll.body) === '[{"n":3}]' &&
      w.longpoll['Stream-Next-Offset'] === offsets[3] && /^[0-9]+$/.test(w.longpoll['Stream-Cursor'] ?? ''),
    'a long-poll fetch from the second offset reads the third message and Stream-Cursor', w.longpoll);

    // 2. live=sse with EventSource, a cut under it, the browser's own resume.
    const liveUrl = `${url}?offset=-1&live=sse`;
    const opened = await within(page.evaluate(openLive, { url: liveUrl, stepMs: step_ms }),
      2 * step_ms, 'EventSource open');
    check(opened.control?.streamNextOffset === offsets[3] && opened.control?.upToDate === true &&
      JSON.stringify(opened.messages) === '[1,2,3]',
    'EventSource replays the three messages, then a control event (upToDate, streamNextOffset)',
    opened);
    const liveCount = (n) => page.waitForFunction((k) => window.__live.messages.length >= k, n,
      { timeout: 2 * step_ms }).then(() => true, () => false);
    const appended = await page.evaluate(appendRange, { url, from: 4, to: 6 });
    const got6 = await liveCount(6);
    const idBeforeCut = await page.evaluate(() => window.__live.ids.at(-1));
    check(got6 && appended.every((s) => s === 204), 'messages 4-6 arrive live', appended);

    const cut = proxy.cutSse();
    // Appended while the EventSource is cut off (it waits before reconnecting): only the resume
    // can bring these.
    const during = await page.evaluate(appendRange, { url, from: 7, to: 9 });
    const reconnected = await page.waitForFunction(() => window.__live.opens >= 2, null,
      { timeout: 3 * step_ms }).then(() => true, () => false);
    const after = await page.evaluate(appendRange, { url, from: 10, to: total });
    const gotAll = await liveCount(total);
    // Anything sent twice would come right behind the rest.
    await new Promise((r) => setTimeout(r, 500));
    const live = await page.evaluate(() => {
      window.__es.close();
      return window.__live;
    });
    check(cut >= 1 && reconnected && live.errors >= 1 && live.opens === 2,
      'the proxy cut the live=sse connection and EventSource reconnected by itself once',
      { cut, opens: live.opens, errors: live.errors });
    check(during.concat(after).every((s) => s === 204), 'messages 7-12 appended (204 each)',
      during.concat(after));
    const resume = sseRequests[1];
    check(sseRequests.length === 2 && sseRequests[0].lastEventId === null &&
      resume?.url === liveUrl && offsetRe.test(idBeforeCut ?? '') &&
      resume?.lastEventId === idBeforeCut,
    'the reconnect asked the same URL with Last-Event-ID = the id of the last data event seen',
    { sseRequests, idBeforeCut });
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    check(gotAll && JSON.stringify(live.messages) === JSON.stringify(expected),
      `EventSource handed the page every message exactly once, in order (1..${total})`,
      live.messages);
    const ids = live.ids;
    check(ids.every((id, i) => offsetRe.test(id) && (i === 0 || id > ids[i - 1])),
      'the data events\' ids are offsets, strictly growing', ids);

    // 3. An origin that is not listed: refused by the browser; nothing was created.
    await page.goto(`${otherOrigin}/`);
    const r = await within(page.evaluate(refusedScenario, {
      url: `${door}/v1/stream/browser/refused`, existing: url, stepMs: step_ms,
    }), 4 * step_ms, 'refused scenario');
    check(String(r.create?.error).includes('TypeError'),
      'fetch PUT from an origin not listed fails in the page', r.create);
    check(String(r.read?.error).includes('TypeError'),
      'a catch-up fetch from an origin not listed cannot be read by the page', r.read);
    check(r.eventsource === 'closed', 'EventSource from an origin not listed fails for good',
      r.eventsource);
    const refused = await nodeRequest(`${gw.url}/v1/stream/browser/refused`, 'HEAD');
    check(refused.status === 404, 'the refused PUT never reached the door (its preflight failed)',
      refused.status);
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
    proxy?.destroyAll();
    if (proxy) {
      await closeServer(proxy.server);
    }
    await stopGateway(gw);
    await Promise.all([closeServer(allowedPages), closeServer(otherPages)]);
    if (failed() && gw) {
      console.log(`gateway log:\n${gatewayLog(gw)}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

run('durable_browser_test', main, overall_ms);
