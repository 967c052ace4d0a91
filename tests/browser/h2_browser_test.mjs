// HTTP/2 where its users meet it: a page in headless Debian chromium on another origin opens 20
// EventSources to the gateway over HTTPS. Over HTTP/1.1 chromium holds at most 6 connections per
// origin, so the 7th EventSource of a page waits for one of them to close; over HTTP/2 (ALPN
// `h2`) all 20 are streams of one connection, open at once, and each receives every event, in
// order, replayed and live.
//
// Then the connection is cut under the 20 streams (a TCP proxy in front of the gateway drops
// it): chromium reconnects them, over one new HTTP/2 connection, with Last-Event-ID, and each
// EventSource gets the events appended while it was away and the live ones after, exactly once.
//
// The halves run against the real binary with the same certificate and page: `--http2 off`
// first, where the test expects exactly 6 of 8 EventSources to open (the limit the feature is
// about: a test that saw 8 there would be measuring something else), then `--http2 on`. The
// gateway's own /metrics tell how many connections carry the 20 streams.
//
// Usage: node h2_browser_test.mjs --gateway BIN [--chromium /usr/bin/chromium]

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, launchChromium, listen, parseArgs, run, startGateway, step_ms,
  stopGateway, tcpProxy, within,
} from './harness.mjs';

const overall_ms = 150_000;
const streams_h2 = 20;
const streams_h1 = 8;
const events = 4;  // per stream: the first replayed, the others live

// Node's requests to the HTTPS gateway (HTTP/1.1; the certificate is the test's own) all go over
// one kept-alive connection, so that the gateway's connection gauge counts them as one.
const nodeAgent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
function tlsRequest(url, method = 'GET', body = undefined, headers = {}) {
  return within(new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, agent: nodeAgent },
      (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      });
    req.on('error', reject);
    req.end(body);
  }), step_ms, `${method} ${url}`);
}

function append(base, stream, i) {
  return tlsRequest(`${base}/v1/streams/${stream}/events`, 'POST',
    JSON.stringify({ data: `${stream}:${i}` }), { 'Content-Type': 'application/json' });
}


function gauge(metricsText, name) {
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(metricsText);
  return m ? Number(m[1]) : null;
}

// In the page: opens one EventSource per name, reports each one's opening and events.
const pageOpen = ([base, names]) => {
  window.__h2 = { opened: 0, received: {}, errors: 0, sources: [] };
  for (const name of names) {
    window.__h2.received[name] = [];
    const es = new EventSource(`${base}/v1/streams/${name}/events`);
    es.onopen = () => { window.__h2.opened += 1; };
    es.onmessage = (e) => { window.__h2.received[name].push({ id: e.lastEventId, data: e.data }); };
    es.onerror = () => { window.__h2.errors += 1; };
    window.__h2.sources.push(es);
  }
};
const pageState = () => ({
  opened: window.__h2.opened, errors: window.__h2.errors, received: window.__h2.received,
});
const pageClose = () => { window.__h2.sources.forEach((es) => es.close()); };

// Gives each stream its first event (so that the EventSource replays it), then opens a page of
// `origin`.
async function pageWithStreams(context, origin, base, names, label) {
  for (const name of names) {
    const r = await append(base, name, 1);
    check(r.status === 200, `${label}: append to ${name} is 200`, r);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(step_ms);
  await page.goto(`${origin}/`);
  return page;
}

async function waitFor(page, predicate, ms, what) {
  const until = Date.now() + ms;
  let state = await page.evaluate(pageState);
  while (!predicate(state) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    state = await page.evaluate(pageState);
  }
  if (!predicate(state)) {
    console.log(`(waited ${ms} ms for ${what})`);
  }
  return state;
}

// 20 EventSources through the proxy, one HTTP/2 connection; events 1-2 live, the cut, 3-4
// appended while they are away (replayed on their resume), 5-6 live again.
async function cutAndResume(context, origin, direct, proxy) {
  const names = Array.from({ length: streams_h2 }, (_, i) => `cut-${i}`);
  const appendAll = async (i) => {
    for (const name of names) {
      const r = await append(direct, name, i);
      if (r.status !== 200) {
        check(false, `append ${i} to ${name} is 200`, r);
      }
    }
  };
  const page = await pageWithStreams(context, origin, direct, names, 'cut');
  const warm = await page.evaluate(async (base) => (await fetch(`${base}/healthz`)).status,
    proxy.base);
  check(warm === 200, 'the page reaches the gateway through the proxy', warm);
  await page.evaluate(pageOpen, [proxy.base, names]);
  let s = await waitFor(page, (st) => st.opened >= streams_h2, step_ms, 'the 20 through the proxy');
  check(s.opened === streams_h2, `all ${streams_h2} open through the proxy`, { opened: s.opened });
  await appendAll(2);
  s = await waitFor(page, (st) => names.every((n) => st.received[n].length >= 2), step_ms,
    'events 1-2');
  const before = await tlsRequest(`${direct}/metrics`);
  const resumedBefore = gauge(before.body, 'sse_gateway_resumes_total\\{outcome="success"\\}');

  const cutConnections = proxy.cut();
  check(cutConnections === 1, 'the 20 streams rode one connection, which the proxy cut',
    { cutConnections });
  s = await waitFor(page, (st) => st.errors >= streams_h2, step_ms, 'every EventSource to notice');
  check(s.errors >= streams_h2, `each of the ${streams_h2} EventSources saw the cut`,
    { errors: s.errors });
  await appendAll(3);
  await appendAll(4);
  s = await waitFor(page, (st) => st.opened >= 2 * streams_h2, step_ms, 'the reconnects');
  check(s.opened === 2 * streams_h2, `all ${streams_h2} reconnected by themselves`,
    { opened: s.opened });
  await appendAll(5);
  await appendAll(6);
  const total = 6;
  s = await waitFor(page, (st) => names.every((n) => st.received[n].length >= total), step_ms,
    'events 1-6');
  const inOrder = (got, name) => got.length === total && got.every((e, i) =>
    e.data === `${name}:${i + 1}` && e.id === `${got[0].id.split(':')[0]}:${i + 1}`);
  const wrong = names.filter((n) => !inOrder(s.received[n], n));
  check(wrong.length === 0,
    `after the cut each EventSource has all ${total} events (2 live, 2 replayed on its resume, ` +
    '2 live) exactly once, in order', wrong.slice(0, 3).map((n) => ({ stream: n,
      received: s.received[n] })));
  const after = await tlsRequest(`${direct}/metrics`);
  const resumed = gauge(after.body, 'sse_gateway_resumes_total\\{outcome="success"\\}');
  const h2Streams = gauge(after.body, 'sse_gateway_http2_streams_open');
  check(resumed - resumedBefore === streams_h2,
    `the gateway counted ${streams_h2} successful resumes (Last-Event-ID sent by chromium)`,
    { resumedBefore, resumed });
  // Chromium may keep its idle connection of the earlier page to the gateway itself: count the
  // connections through the proxy, and the gateway's HTTP/2 streams.
  check(proxy.open() === 1 && h2Streams === streams_h2,
    `the ${streams_h2} reconnected streams share one new HTTP/2 connection`,
    { throughProxy: proxy.open(), h2Streams });
  await page.evaluate(pageClose);
  await page.close();
}

run('h2_browser_test', async () => {
  const args = parseArgs(process.argv, {}, ['gateway']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sse-h2-browser-'));
  const key = path.join(work, 'key.pem');
  const cert = path.join(work, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });

  const pages = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>many streams</title>');
  });
  const origin = `http://127.0.0.1:${await listen(pages)}`;
  const tls = ['--tls-cert', cert, '--tls-key', key, '--cors-origin', origin];
  let context;
  const gateways = [];
  let proxy;
  try {
    // The certificate is self-signed: chromium is told to accept it (ALPN is unaffected).
    context = await launchChromium(args.chromium, work, ['--ignore-certificate-errors']);

    // 1. HTTP/1.1 only: 6 connections per origin, so 6 of the 8 EventSources open.
    const h1 = await startGateway(args.gateway, work, 'h1', [...tls, '--http2', 'off']);
    gateways.push(h1);
    const h1Base = `https://127.0.0.1:${h1.port}`;
    const h1Names = Array.from({ length: streams_h1 }, (_, i) => `h1-${i}`);
    const page1 = await pageWithStreams(context, origin, h1Base, h1Names, 'HTTP/1.1 gateway');
    await page1.evaluate(pageOpen, [h1Base, h1Names]);
    // Bounded: the 6 open quickly; two more seconds show that the others do not.
    let s1 = await waitFor(page1, (s) => s.opened >= 6, step_ms, '6 EventSources over HTTP/1.1');
    await new Promise((r) => setTimeout(r, 2000));
    s1 = await page1.evaluate(pageState);
    check(s1.opened === 6,
      `over HTTP/1.1 exactly 6 of ${streams_h1} EventSources of one page open (the per-origin ` +
      'connection limit this feature removes)', { opened: s1.opened, errors: s1.errors });
    await page1.evaluate(pageClose);
    await page1.close();
    await stopGateway(h1);

    // 2. HTTP/2: every EventSource opens, on one connection, and gets every event.
    const h2 = await startGateway(args.gateway, work, 'h2', tls);
    gateways.push(h2);
    const h2Base = `https://127.0.0.1:${h2.port}`;
    proxy = tcpProxy(h2.port);
    proxy.base = `https://127.0.0.1:${await listen(proxy.server)}`;
    const names = Array.from({ length: streams_h2 }, (_, i) => `h2-${i}`);
    const page = await pageWithStreams(context, origin, h2Base, names, 'HTTP/2 gateway');
    // One request first, as a page's first fetch would be: before chromium has heard the
    // server speak h2 it races up to 6 connections for a burst of requests to a new origin.
    const warm = await page.evaluate(async (base) => (await fetch(`${base}/healthz`)).status,
      h2Base);
    check(warm === 200, 'the page reaches the gateway over HTTPS (GET /healthz is 200)', warm);
    await page.evaluate(pageOpen, [h2Base, names]);
    const opened = await waitFor(page, (s) => s.opened >= streams_h2, step_ms,
      `${streams_h2} EventSources over HTTP/2`);
    check(opened.opened === streams_h2 && opened.errors === 0,
      `over HTTP/2 all ${streams_h2} EventSources of one page open at once, without an error`,
      { opened: opened.opened, errors: opened.errors });

    const metrics = await tlsRequest(`${h2Base}/metrics`);
    const connections = gauge(metrics.body, 'sse_gateway_connections_open');
    const subscriptions = gauge(metrics.body, 'sse_gateway_sse_connections_open');
    const h2Connections = gauge(metrics.body, 'sse_gateway_http2_connections_open');
    const h2Streams = gauge(metrics.body, 'sse_gateway_http2_streams_open');
    // The page's one HTTP/2 connection, plus Node's one (appends and this /metrics request).
    check(subscriptions === streams_h2 && connections !== null && connections <= 2,
      `the gateway serves the ${streams_h2} subscriptions on one connection (plus Node's, ` +
      'which asks for /metrics)', { connections, subscriptions });
    check(h2Connections === 1 && h2Streams === streams_h2,
      `by protocol: one HTTP/2 connection with the ${streams_h2} streams open`,
      { h2Connections, h2Streams });

    for (let i = 2; i <= events; i += 1) {
      for (const name of names) {
        const r = await append(h2Base, name, i);
        if (r.status !== 200) {
          check(false, `append ${i} to ${name} is 200`, r);
        }
      }
    }
    // Ids are `<epoch>:<seq>`: one epoch per stream, seqs 1..events.
    const inOrder = (got, name) => got.length === events && got.every((e, i) =>
      e.data === `${name}:${i + 1}` && e.id === `${got[0].id.split(':')[0]}:${i + 1}`);
    const done = await waitFor(page,
      (s) => names.every((n) => s.received[n].length >= events), step_ms, 'every event');
    const wrong = names.filter((n) => !inOrder(done.received[n], n));
    check(wrong.length === 0,
      `each of the ${streams_h2} EventSources receives its ${events} events (1 replayed, ` +
      `${events - 1} live) exactly once, in order, with their ids`,
      wrong.slice(0, 3).map((n) => ({ stream: n, received: done.received[n] })));
    await page.evaluate(pageClose);
    await page.close();

    // 3. The connection under the 20 streams is cut: they come back and lose nothing.
    await cutAndResume(context, origin, h2Base, proxy);
  } finally {
    proxy?.cut();
    for (const gw of gateways) {
      await stopGateway(gw);
    }
    if (proxy) {
      await closeServer(proxy.server);
    }
    await context?.close().catch(() => {});
    nodeAgent.destroy();
    await closeServer(pages);
  }
  if (!failed()) {
    fs.rmSync(work, { recursive: true, force: true });
  }
}, overall_ms);
