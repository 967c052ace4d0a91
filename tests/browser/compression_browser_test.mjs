// Compressed SSE in headless Debian chromium (playwright-core): EventSource decodes a
// gzip and a zstd stream (each forced by the gateway's --sse-compression) and receives every
// event of a 4,000-token OpenAI-style stream exactly once, in order, although the connection is
// cut several times part-way through a compressed response: the browser reconnects by itself
// with Last-Event-ID and the gateway resumes after it.
//
// The cuts: the page talks to the gateway through a TCP proxy on 127.0.0.1 that drops each of
// the first SSE connections after a few KiB of (compressed) response. The page is loaded from the
// proxy too (GET /healthz), so EventSource is same-origin. Every wait is bounded.
//
// Usage: node compression_browser_test.mjs --gateway BIN [--chromium /usr/bin/chromium]

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, launchChromium, listen, nodeRequest, parseArgs, run, startGateway,
  step_ms, stopGateway, within,
} from './harness.mjs';

const overall_ms = 200_000;
const tokens = 4000;
const cuts = 4;

// What a chat completion streams: the envelope repeats, the delta changes.
const tokenData = (i) => JSON.stringify({
  id: 'chatcmpl-9xQ2', object: 'chat.completion.chunk', created: 1733500000, model: 'gpt-4o',
  choices: [{ index: 0, delta: { content: `tok${i} ` }, finish_reason: null }],
});

// A TCP proxy to `port` that cuts each of the first `cuts` SSE connections after `cutAfter`
// bytes of response; the others pass whole.
function cuttingProxy(port, cutAfter) {
  const state = { sseConnections: 0, cut: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    let cutThis = false;
    let sent = 0;
    client.on('data', (d) => {
      // Per request: chromium may send the SSE request on the kept-alive page connection.
      const text = d.toString('latin1');
      if (/^[A-Z]+ \//.test(text)) {
        cutThis = text.startsWith('GET /v1/streams/') && state.cut < cuts;
        state.sseConnections += text.startsWith('GET /v1/streams/') ? 1 : 0;
        sent = 0;
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!cutThis) {
        client.write(d);
        return;
      }
      const room = cutAfter - sent;
      if (d.length < room) {
        sent += d.length;
        client.write(d);
        return;
      }
      client.write(d.subarray(0, room));  // part of a chunk, mid compressed stream
      state.cut += 1;
      client.destroy();
      upstream.destroy();
    });
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  return { server, state };
}

// In the page: EventSource to the end event; every token's id and data, and how often it opened.
async function readStream({ url, stepMs }) {
  const received = [];
  let opens = 0;
  let errors = 0;
  const es = new EventSource(url);
  const done = new Promise((resolve) => {
    es.onopen = () => { opens += 1; };
    es.onerror = () => { errors += 1; };
    es.onmessage = (e) => { received.push([e.lastEventId, e.data]); };
    es.addEventListener('end', () => { es.close(); resolve('end'); });
  });
  const limit = new Promise((resolve) => setTimeout(() => resolve('timeout'), stepMs));
  const how = await Promise.race([done, limit]);
  es.close();
  return { how, opens, errors, received };
}

async function produce(gw, stream) {
  // Live: 50 tokens per request, a few ms apart, so the page reads while they are appended.
  for (let i = 1; i <= tokens; i += 50) {
    const lines = [];
    for (let j = i; j < i + 50 && j <= tokens; j += 1) {
      lines.push(JSON.stringify({ data: tokenData(j) }));
    }
    const r = await nodeRequest(`${gw}/v1/streams/${stream}/events`, 'POST',
      `${lines.join('\n')}\n`, { 'Content-Type': 'application/x-ndjson' });
    if (r.status !== 200) {
      throw new Error(`append: ${r.status} ${r.body}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const r = await nodeRequest(`${gw}/v1/streams/${stream}/end`, 'POST', '{"status":"completed"}',
    { 'Content-Type': 'application/json' });
  if (r.status !== 200) {
    throw new Error(`end: ${r.status} ${r.body}`);
  }
}

async function scenario(args, work, context, coding) {
  const gw = await startGateway(args.gateway, work, coding, ['--sse-compression', coding,
    '--retry-ms', '50', '--buffer-limit', '10000', '--buffer-max-bytes', '16MiB']);
  // A cut after 1,500 bytes falls part-way into a compressed chunk (a token is ~30 bytes
  // compressed), early enough in the stream for every cut to happen.
  const proxy = cuttingProxy(gw.port, 1500);
  try {
    const proxyUrl = `http://127.0.0.1:${await listen(proxy.server)}`;
    const encodings = [];
    const onResponse = async (r) => {
      if (r.url().includes('/v1/streams/')) {
        const h = await r.allHeaders().catch(() => ({}));
        encodings.push(h['content-encoding'] ?? 'none');
      }
    };
    const requestEncodings = [];
    const onRequest = async (r) => {
      if (r.url().includes('/v1/streams/')) {
        const h = await r.allHeaders().catch(() => ({}));
        requestEncodings.push([h['accept-encoding'] ?? 'none', h['last-event-id'] ?? '']);
      }
    };
    context.on('response', onResponse);
    context.on('request', onRequest);
    const page = await context.newPage();
    page.setDefaultTimeout(step_ms);
    await page.goto(`${proxyUrl}/healthz`);
    const stream = `tok-${coding}`;
    const created = await nodeRequest(`${gw.url}/v1/streams/${stream}`, 'PUT');
    check(created.status === 200 || created.status === 201, `${coding}: stream created`, created);
    const reading = page.evaluate(readStream,
      { url: `${proxyUrl}/v1/streams/${stream}/events`, stepMs: 120_000 });
    await produce(gw.url, stream);
    const obs = await within(reading, 130_000, `${coding}: page reading`);
    context.off('response', onResponse);
    context.off('request', onRequest);
    await page.close();

    check(obs.how === 'end', `${coding}: the page read to the end event`, obs.how);
    check(encodings.length > 0 && encodings.every((e) => e === coding),
      `${coding}: every SSE response was ${coding}-encoded`, encodings);
    check(proxy.state.cut === cuts && obs.opens === cuts + 1,
      `${coding}: the connection was cut ${cuts} times and EventSource reconnected each time`,
      { cut: proxy.state.cut, opens: obs.opens, errors: obs.errors });
    // A reconnect carries Last-Event-ID once the page has an event: a cut inside the first
    // compressed block (zstd decodes whole blocks only) leaves it none, and the resume starts
    // from the beginning, rightly; a cut that ends a connection before its first whole block
    // resumes from the same id again. Any resume from a wrong point shows in the order check.
    const resumes = requestEncodings.slice(1).map(([, id]) => id).filter((id) => id !== '');
    const seqs = resumes.map((id) => Number(id.split(':')[1]));
    check(resumes.length >= cuts - 1 && seqs.every((q, i) => i === 0 || q >= seqs[i - 1]),
      `${coding}: the reconnects resumed with Last-Event-ID, never going back`, requestEncodings);
    let inOrder = obs.received.length === tokens;
    for (let i = 0; inOrder && i < tokens; i += 1) {
      const [id, data] = obs.received[i];
      inOrder = id.endsWith(`:${i + 1}`) && data === tokenData(i + 1);
    }
    check(inOrder, `${coding}: all ${tokens} tokens exactly once, in order`,
      { count: obs.received.length, first: obs.received.slice(0, 2),
        around: obs.received.slice(0, tokens).find(([id], i) => !id.endsWith(`:${i + 1}`)) });
    const metrics = await nodeRequest(`${gw.url}/metrics`);
    const compressed = /sse_gateway_sse_compressed_connections_total (\d+)/.exec(metrics.body);
    check(compressed && Number(compressed[1]) === cuts + 1,
      `${coding}: the gateway counted ${cuts + 1} compressed connections`, compressed?.[0]);
  } finally {
    await closeServer(proxy.server);
    await stopGateway(gw);
  }
}

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway']);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'compression-browser-'));
  let context;
  try {
    context = await launchChromium(args.chromium, work);
    for (const coding of ['gzip', 'zstd']) {
      await scenario(args, work, context, coding);
    }
  } finally {
    await context?.close().catch(() => {});
    if (failed()) {
      console.log(`work directory kept: ${work}`);
    } else {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

run('compression_browser_test', main, overall_ms);
