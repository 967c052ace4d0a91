// A page on another origin uses the gateway from headless Debian chromium (playwright-core),
// as a web app would: appends with fetch (JSON, so the browser sends a CORS preflight first),
// reads the JSON answers, calls a relay route with Idempotency-Key (preflighted too) both for
// the 201 answer and for the SSE answer, reads Stream-Id, and reads streams with EventSource.
// A page whose origin is not listed must be refused by the browser, and with `*` credentialed
// requests must be refused. Everything is checked on what the page observed.
//
// Only 127.0.0.1: the gateway (started here from --gateway), a fake SSE upstream for the relay
// route and the page servers all listen there, and chromium resolves no other name.
//
// Usage: node cors_browser_test.mjs --gateway BIN [--chromium /usr/bin/chromium]

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, launchChromium, listen, nodeRequest, parseArgs, run, startGateway,
  step_ms, stopGateway, within,
} from './harness.mjs';

const overall_ms = 150_000;

// The relay route's upstream: answers every POST with three SSE `delta` events, then ends.
function fakeUpstream() {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls.push({ method: req.method, url: req.url, body });
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      for (let i = 0; i < 3; i += 1) {
        res.write(`event: delta\ndata: t${i}\n\n`);
      }
      res.end();
    });
  });
  return { server, calls };
}

// A page server: one blank page; what runs in it comes from page.evaluate.
function pageServer() {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><meta charset="utf-8"><title>cors test page</title><p>page</p>');
  });
}

// ---- What runs inside the pages (serialized by playwright: no closures over this file). ----

// The web app on an allowed origin.
async function allowedPageScenario({ gw, stream, key, sseKey, stepMs }) {
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
  const json = { 'Content-Type': 'application/json' };

  await attempt('append1', async () => {
    const r = await fetch(`${gw}/v1/streams/${stream}/events`,
      { method: 'POST', headers: json, body: JSON.stringify({ data: 'first' }) });
    return { status: r.status, body: await r.json() };
  });

  // EventSource from the start of the stream: the first event is replayed, the second live.
  const received = [];
  let wake = () => {};
  const es = new EventSource(`${gw}/v1/streams/${stream}/events`);
  es.onmessage = (e) => { received.push({ id: e.lastEventId, data: e.data }); wake(); };
  await attempt('es_open', () => new Promise((resolve, reject) => {
    es.onopen = () => resolve(true);
    es.onerror = () => reject(new Error(`EventSource error, readyState ${es.readyState}`));
  }));

  await attempt('append2', async () => {
    const r = await fetch(`${gw}/v1/streams/${stream}/events`, {
      method: 'POST', headers: { ...json, 'Producer-Seq': '2' },
      body: JSON.stringify({ data: 'second' }),
    });
    return { status: r.status, body: await r.json() };
  });
  await attempt('es_events', () => new Promise((resolve) => {
    wake = () => { if (received.length >= 2) resolve(received.slice()); };
    wake();
  }));
  es.close();
  obs.es_received = received.slice();

  // A method the route does not serve: the preflight grants only the route's own methods, so
  // the browser refuses before sending it (a TypeError, not a 405 the page could read).
  try {
    const r = await within(fetch(`${gw}/v1/streams/${stream}/end`, { method: 'DELETE' }),
      'DELETE /end');
    obs.delete_end = { status: r.status };
  } catch (e) {
    obs.delete_end = { error: String(e) };
  }

  // A cookie-carrying read: a listed origin is answered with credentials allowed.
  await attempt('status_with_credentials', async () => {
    const r = await fetch(`${gw}/v1/streams/${stream}`, { credentials: 'include' });
    return { status: r.status, body: await r.json() };
  });

  // Relay, 201 answer: Stream-Id is an exposed header.
  await attempt('relay_created', async () => {
    const r = await fetch(`${gw}/v1/relay/echo`,
      { method: 'POST', headers: { ...json, 'Idempotency-Key': key }, body: '{"q":"hi"}' });
    return { status: r.status, stream_id: r.headers.get('Stream-Id'), body: await r.json() };
  });
  // ... and its stream read with EventSource (with credentials) to the end.
  const eventsUrl = obs.relay_created?.body?.events_url ?? '/missing-events-url';
  await attempt('relay_events', () => new Promise((resolve, reject) => {
    const deltas = [];
    const src = new EventSource(`${gw}${eventsUrl}`, { withCredentials: true });
    src.addEventListener('delta', (e) => deltas.push(e.data));
    src.addEventListener('end', (e) => { src.close(); resolve({ deltas, end: e.data }); });
    src.onerror = () => {
      if (src.readyState === EventSource.CLOSED) {
        reject(new Error('EventSource closed'));
      }
    };
  }));

  // Relay, SSE answer: the stream comes back on the POST itself, named by Stream-Id.
  await attempt('relay_sse', async () => {
    const r = await fetch(`${gw}/v1/relay/echo`, {
      method: 'POST',
      headers: { ...json, 'Idempotency-Key': sseKey, Accept: 'text/event-stream' },
      body: '{"q":"hi again"}',
    });
    return {
      status: r.status,
      content_type: r.headers.get('Content-Type'),
      stream_id: r.headers.get('Stream-Id'),
      body: await r.text(),
    };
  });
  return obs;
}

// A page on an origin the gateway does not list: the browser must refuse every answer.
async function refusedPageScenario({ gw, stream, stepMs }) {
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
  obs.append = await outcome(() => fetch(`${gw}/v1/streams/${stream}/events`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ data: 'must not be stored' }),
  }));
  obs.simple_get = await outcome(() => fetch(`${gw}/healthz`));
  obs.eventsource = await within(new Promise((resolve) => {
    const es = new EventSource(`${gw}/v1/streams/${stream}/events`);
    es.onopen = () => { es.close(); resolve('open'); };
    es.onerror = () => { const s = es.readyState; es.close(); resolve(s === 2 ? 'closed' : `error-${s}`); };
  }), 'EventSource').catch((e) => String(e));
  return obs;
}

// A page under `--cors-origin *`: plain requests work, credentialed ones are refused.
async function wildcardPageScenario({ gw, stream, stepMs }) {
  const within = (p, what) => {
    let timer;
    return Promise.race([p, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), stepMs);
    })]).finally(() => clearTimeout(timer));
  };
  const obs = {};
  try {
    const r = await within(fetch(`${gw}/v1/streams/${stream}/events`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: 'any origin' }),
    }), 'append');
    obs.append = { status: r.status, body: await r.json() };
  } catch (e) {
    obs.append = { error: String(e) };
  }
  try {
    const r = await within(fetch(`${gw}/v1/streams/${stream}`, { credentials: 'include' }),
      'credentialed read');
    obs.credentialed = { status: r.status };
  } catch (e) {
    obs.credentialed = { error: String(e) };
  }
  return obs;
}

// ---- The test. ----

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cors-browser-'));
  const upstream = fakeUpstream();
  const allowedPages = pageServer();
  const otherPages = pageServer();
  const gateways = [];
  let context;
  const consoleLines = [];
  const requested = [];
  try {
    const upstreamPort = await listen(upstream.server);
    const allowedOrigin = `http://127.0.0.1:${await listen(allowedPages)}`;
    const otherOrigin = `http://127.0.0.1:${await listen(otherPages)}`;
    const routes = path.join(work, 'routes.json');
    fs.writeFileSync(routes, JSON.stringify({
      routes: [{ name: 'echo', url: `http://127.0.0.1:${upstreamPort}/v1/chat`, method: 'POST' }],
    }));
    // A list: the page's origin is the second entry, so a gateway answering the whole list or
    // its first entry fails.
    const listed = await startGateway(args.gateway, work, 'listed', ['--cors-origin',
      `https://app.example, ${allowedOrigin}`, '--relay-config', routes]);
    gateways.push(listed);
    const wildcard = await startGateway(args.gateway, work, 'wildcard', ['--cors-origin', '*']);
    gateways.push(wildcard);
    console.log(`pages ${allowedOrigin} (listed) and ${otherOrigin} (not listed); gateways ` +
      `${listed.url} (listed origins), ${wildcard.url} (*); upstream port ${upstreamPort}`);

    context = await launchChromium(args.chromium, work);
    // Observed only: routing requests through playwright would let it answer preflights itself.
    context.on('request', (r) => requested.push(r.url()));
    const page = await context.newPage();
    page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e}`));
    page.setDefaultTimeout(step_ms);

    // 1. The listed origin: append, EventSource, relay (201 and SSE).
    await page.goto(`${allowedOrigin}/`);
    const a = await within(page.evaluate(allowedPageScenario, {
      gw: listed.url, stream: 'cors-page', key: 'cors-relay-1', sseKey: 'cors-relay-2',
      stepMs: step_ms,
    }), 12 * step_ms, 'allowed page scenario');
    check(a.append1?.status === 200 && a.append1.body?.first_seq === 1,
      'a fetch append (JSON, preflighted) from the listed origin is answered 200 and the page ' +
      'reads its JSON', a.append1);
    check(a.es_open === true, 'EventSource from the listed origin opens', a.es_open);
    check(a.append2?.status === 200 && a.append2.body?.first_seq === 2,
      'a second append with Producer-Seq (preflighted) is answered 200 with first_seq 2',
      a.append2);
    check(Array.isArray(a.es_events) &&
      JSON.stringify(a.es_received.map((e) => e.data)) === '["first","second"]',
    'EventSource receives both appended events in order', a.es_received);
    check(String(a.delete_end?.error).includes('TypeError'),
      'a method the route does not serve (DELETE on /end) is not granted by its preflight',
      a.delete_end);
    check(a.status_with_credentials?.status === 200 &&
      a.status_with_credentials.body?.last_seq === 2,
    'a credentialed fetch from a listed origin is allowed (Access-Control-Allow-Credentials)',
    a.status_with_credentials);
    const relayId = a.relay_created?.body?.stream;
    check(a.relay_created?.status === 201 && typeof relayId === 'string' && relayId !== '' &&
      a.relay_created.stream_id === relayId,
    'a relay POST with Idempotency-Key (preflighted) is answered 201 and the page reads ' +
      'Stream-Id', a.relay_created);
    check(JSON.stringify(a.relay_events?.deltas) === '["t0","t1","t2"]' &&
      String(a.relay_events?.end).includes('completed'),
    'EventSource (withCredentials) reads the relayed stream to its end', a.relay_events);
    const sseBody = a.relay_sse?.body ?? '';
    check(a.relay_sse?.status === 200 && typeof a.relay_sse.stream_id === 'string' &&
      a.relay_sse.stream_id !== '' && a.relay_sse.stream_id !== relayId &&
      String(a.relay_sse.content_type).startsWith('text/event-stream') &&
      ['data: t0', 'data: t1', 'data: t2', 'event: end'].every((s) => sseBody.includes(s)),
    'a relay POST accepting text/event-stream streams the answer with Stream-Id to the page',
    a.relay_sse);
    check(upstream.calls.length === 2, 'the upstream was called once per relay key',
      upstream.calls.length);

    // 2. An origin that is not listed: the browser refuses, and nothing was appended.
    await page.goto(`${otherOrigin}/`);
    const r = await within(page.evaluate(refusedPageScenario, {
      gw: listed.url, stream: 'cors-refused', stepMs: step_ms,
    }), 4 * step_ms, 'refused page scenario');
    check(String(r.append?.error).includes('TypeError'),
      'a fetch append from an origin not listed fails in the page', r.append);
    check(String(r.simple_get?.error).includes('TypeError'),
      'a simple GET from an origin not listed cannot be read by the page', r.simple_get);
    check(r.eventsource === 'closed', 'EventSource from an origin not listed fails for good',
      r.eventsource);
    const refusedStream = await nodeRequest(`${listed.url}/v1/streams/cors-refused`);
    check(refusedStream.status === 404,
      'the refused append never reached the store (its preflight was refused)', refusedStream);

    // 3. `*`: any origin may append; credentialed requests are refused by the browser.
    const w = await within(page.evaluate(wildcardPageScenario, {
      gw: wildcard.url, stream: 'cors-any', stepMs: step_ms,
    }), 4 * step_ms, 'wildcard page scenario');
    check(w.append?.status === 200 && w.append.body?.first_seq === 1,
      'with --cors-origin * a page on any origin appends with fetch', w.append);
    check(String(w.credentialed?.error).includes('TypeError'),
      'with --cors-origin * a credentialed fetch is refused (no credentials with *)',
      w.credentialed);

    const elsewhere = requested.filter((u) => !u.startsWith('http://127.0.0.1:'));
    check(requested.length > 0 && elsewhere.length === 0,
      `chromium requested only 127.0.0.1 (${requested.length} requests)`, elsewhere);
    for (const gw of gateways) {
      check(gw.exited() === null, `gateway ${gw.name} kept running`, gw.exited());
    }
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
    for (const gw of gateways) {
      await stopGateway(gw);
    }
    await Promise.all([closeServer(upstream.server), closeServer(allowedPages),
      closeServer(otherPages)]);
    if (failed()) {
      for (const gw of gateways) {
        const log = path.join(work, `${gw.name}.log`);
        console.log(`gateway ${gw.name} log:\n${fs.readFileSync(log, 'utf8')}`);
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

run('cors_browser_test', main, overall_ms);
