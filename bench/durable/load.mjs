// Load driver for a Durable Streams server (the gateway's /v1/stream/ door or the reference
// Node server): the same requests whatever the target, and every message checked.
//
// 1. Appends: K producers, each on a stream of its own (application/json), each sending one
//    SIZE-byte JSON message per POST, one request at a time over a kept-alive connection, for
//    D seconds. Then each stream is read back with catch-up GETs (following Stream-Next-Offset
//    until Stream-Up-To-Date): every message must be there, byte-equal, once, in order.
// 2. SSE deliveries: M readers (in a worker thread, so that the producer's clock is not held up
//    by parsing) follow one stream with live=sse from its start; P producers (own connections,
//    so that one slow answer does not hold the offered rate back) append R messages/s in all for
//    D2 seconds, each message stamped with its send time. Every reader must receive every
//    message exactly once, each producer's in its order; latency = receipt - send.
// Server CPU seconds (utime + stime of --pid, from /proc/PID/stat) are taken around each phase.
//
// Usage: node load.mjs --url http://127.0.0.1:PORT --pid PID --name NAME [--producers 8]
//          [--append-seconds 10] [--readers 100] [--rate 200] [--live-seconds 10] [--size 256]
//          [--live-producers 4] [--tag run1]
// Prints one JSON line (the results); exits 1 when any check failed.

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const now = () => performance.timeOrigin + performance.now();  // ms, comparable across threads

function request(agent, url, method, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'Content-Type': 'application/json' };

/// {"p":P,"i":I,"t":T,"pad":"xx…"} of exactly `size` bytes.
function message(p, i, t, size) {
  const bare = JSON.stringify({ p, i, t, pad: '' });
  return JSON.stringify({ p, i, t, pad: 'x'.repeat(Math.max(0, size - bare.length)) });
}

function percentile(sorted, q) {
  if (sorted.length === 0) {
    return null;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// ---- SSE readers (worker thread) ------------------------------------------------------------

/// A live=sse reader: parses `event:`/`data:` lines (LF, CRLF or CR) and checks each message.
function startReader(url, onControl) {
  const st = { next: new Map(), received: 0, bad: [], lat: [], ended: false, error: null };
  let buf = '';
  let event = '';
  let data = [];
  const dispatch = () => {
    if (event === 'data') {
      const t = now();
      for (const m of JSON.parse(data.join('\n'))) {
        const expected = st.next.get(m.p) ?? 1;
        if (m.i !== expected && st.bad.length < 5) {
          st.bad.push({ p: m.p, expected, got: m.i });
        }
        st.next.set(m.p, m.i + 1);
        st.received += 1;
        st.lat.push(t - m.t);
      }
    } else if (event === 'control') {
      onControl();
    }
    event = '';
    data = [];
  };
  const req = http.get(url, { agent: false }, (res) => {
    if (res.statusCode !== 200) {
      st.error = `status ${res.statusCode}`;
      res.resume();
      onControl();
      return;
    }
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let start = 0;
      for (;;) {
        const m = /\r\n|\n|\r/g;
        m.lastIndex = start;
        const hit = m.exec(buf);
        if (!hit || (hit[0] === '\r' && hit.index === buf.length - 1)) {
          break;  // no whole line yet (a lone CR at the end may be half of a CRLF)
        }
        const line = buf.slice(start, hit.index);
        start = hit.index + hit[0].length;
        if (line === '') {
          dispatch();
        } else if (line.startsWith('event:')) {
          event = line.slice(6).trimStart();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line[5] === ' ' ? 6 : 5));
        }
      }
      buf = buf.slice(start);
    });
    res.on('end', () => { st.ended = true; });
    res.on('error', (e) => { st.error = String(e); });
  });
  req.on('error', (e) => { st.error = String(e); onControl(); });
  return { st, close: () => req.destroy() };
}

function readerWorker() {
  const { url, readers } = workerData;
  const all = [];
  let connected = 0;
  for (let r = 0; r < readers; r += 1) {
    let first = true;
    all.push(startReader(url, () => {
      if (first) {
        first = false;
        connected += 1;
        if (connected === readers) {
          parentPort.postMessage({ type: 'ready' });
        }
      }
    }));
  }
  parentPort.on('message', (msg) => {
    // msg.expect: every reader should reach it; wait (bounded) and report.
    const until = Date.now() + msg.waitMs;
    const poll = () => {
      const done = all.every(({ st }) => st.received >= msg.expect || st.error);
      if (!done && Date.now() < until) {
        setTimeout(poll, 20);
        return;
      }
      const lat = [];
      for (const { st } of all) {
        lat.push(...st.lat);
      }
      lat.sort((a, b) => a - b);
      parentPort.postMessage({
        type: 'result',
        lastReceipt: now(),
        received: all.reduce((n, { st }) => n + st.received, 0),
        complete: all.filter(({ st }) => st.received === msg.expect && st.bad.length === 0).length,
        bad: all.map(({ st }, r) => ({ r, bad: st.bad, received: st.received, error: st.error,
          ended: st.ended })).filter((x) => x.bad.length || x.error || x.received !== msg.expect)
          .slice(0, 5),
        p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat.at(-1) ?? null,
      });
      for (const r of all) {
        r.close();
      }
    };
    poll();
  });
}

// ---- main thread ------------------------------------------------------------------------------

function parseArgs(argv) {
  const a = { producers: 8, 'append-seconds': 10, readers: 100, rate: 200, 'live-seconds': 10,
    size: 256, 'live-producers': 4, tag: `run${Date.now()}` };
  for (let i = 2; i < argv.length; i += 2) {
    a[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const k of ['producers', 'append-seconds', 'readers', 'rate', 'live-seconds', 'size',
    'live-producers']) {
    a[k] = Number(a[k]);
  }
  if (!a.url || !a.pid || !a.name) {
    throw new Error('usage: node load.mjs --url URL --pid PID --name NAME [...]');
  }
  return a;
}

const clk = Number(execSync('getconf CLK_TCK').toString().trim());
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / clk;  // utime, stime (fields 14, 15)
}

let failures = 0;
function check(ok, what, detail) {
  if (!ok) {
    failures += 1;
    console.error(`FAIL ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  }
}

async function create(agent, url) {
  const r = await request(agent, url, 'PUT', undefined, json);
  check(r.status === 201, `create ${url}`, r.status);
}

/// Every message of a stream by catch-up reads from the start.
async function readAll(agent, url) {
  const out = [];
  let offset = '-1';
  for (let round = 0; round < 100_000; round += 1) {
    const r = await request(agent, `${url}?offset=${encodeURIComponent(offset)}`, 'GET');
    if (r.status !== 200) {
      throw new Error(`catch-up ${url}: ${r.status} ${r.body.slice(0, 200)}`);
    }
    for (const m of JSON.parse(r.body)) {
      out.push(m);
    }
    offset = r.headers['stream-next-offset'];
    if (r.headers['stream-up-to-date'] === 'true') {
      return out;
    }
  }
  throw new Error(`catch-up ${url}: no end`);
}

async function appendPhase(a, base) {
  const streams = [];
  const agents = [];
  for (let p = 0; p < a.producers; p += 1) {
    agents.push(new http.Agent({ keepAlive: true, maxSockets: 1 }));
    streams.push(`${base}/a${p}`);
    await create(agents[p], streams[p]);
  }
  const sent = streams.map(() => []);
  const lat = [];
  let errors = 0;
  const cpu0 = cpuSeconds(a.pid);
  const t0 = now();
  const end = t0 + a['append-seconds'] * 1000;
  await Promise.all(streams.map(async (url, p) => {
    for (let i = 1; now() < end; i += 1) {
      const body = message(p, i, 0, a.size);
      const s = now();
      const r = await request(agents[p], url, 'POST', body, json);
      lat.push(now() - s);
      if (r.status === 204 || r.status === 200) {
        sent[p].push(body);
      } else {
        errors += 1;
        break;  // the next message would leave a hole the check would count twice
      }
    }
  }));
  const seconds = (now() - t0) / 1000;
  const cpu = cpuSeconds(a.pid) - cpu0;
  // Every message back, byte-equal, in order.
  let verified = 0;
  for (let p = 0; p < a.producers; p += 1) {
    const got = await readAll(agents[p], streams[p]);
    const same = got.length === sent[p].length &&
      got.every((m, j) => JSON.stringify(m) === sent[p][j]);
    check(same, `stream a${p} reads back its ${sent[p].length} messages`,
      { got: got.length, first: JSON.stringify(got[0] ?? null).slice(0, 80) });
    verified += same ? got.length : 0;
  }
  for (const ag of agents) {
    ag.destroy();
  }
  lat.sort((x, y) => x - y);
  const appended = sent.reduce((n, s) => n + s.length, 0);
  check(errors === 0, 'no append failed', errors);
  return { appended, seconds, appends_per_s: appended / seconds, verified, errors,
    append_p50_ms: percentile(lat, 0.5), append_p99_ms: percentile(lat, 0.99),
    server_cpu_s: cpu, server_cpu_us_per_append: (cpu * 1e6) / appended };
}

async function livePhase(a, base) {
  const url = `${base}/live`;
  const lp = a['live-producers'];
  const agents = Array.from({ length: lp }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  await create(agents[0], url);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { url: `${url}?offset=-1&live=sse`, readers: a.readers },
  });
  const next = (type) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker: no ${type} in 30 s`)), 30_000);
    const on = (m) => {
      if (m.type === type) {
        clearTimeout(timer);
        worker.off('message', on);
        resolve(m);
      }
    };
    worker.on('message', on);
    worker.once('error', reject);
  });
  await next('ready');
  const each = Math.round((a.rate * a['live-seconds']) / lp);
  const total = each * lp;
  const cpu0 = cpuSeconds(a.pid);
  const t0 = now();
  let errors = 0;
  // Producer p sends its i-th message at t0 + ((i - 1) * lp + p) / rate: together, a steady rate.
  await Promise.all(agents.map(async (agent, p) => {
    for (let i = 1; i <= each; i += 1) {
      const due = t0 + (((i - 1) * lp + p) * 1000) / a.rate;
      const wait = due - now();
      if (wait > 1) {
        await new Promise((r) => setTimeout(r, wait));
      }
      const r = await request(agent, url, 'POST', message(p, i, now(), a.size), json);
      if (r.status !== 204 && r.status !== 200) {
        errors += 1;
      }
    }
  }));
  const sendSeconds = (now() - t0) / 1000;
  const result = next('result');
  worker.postMessage({ expect: total, waitMs: 15_000 });
  const res = await result;
  const cpu = cpuSeconds(a.pid) - cpu0;
  await worker.terminate();
  for (const agent of agents) {
    agent.destroy();
  }
  const seconds = (res.lastReceipt - t0) / 1000;
  check(errors === 0, 'no live append failed', errors);
  check(res.complete === a.readers, `every reader got all ${total} messages once, in order`,
    { complete: res.complete, bad: res.bad });
  return { offered_per_s: a.rate, live_producers: lp, messages: total, send_seconds: sendSeconds,
    appends_per_s: total / sendSeconds, readers: a.readers, delivered: res.received,
    deliveries_per_s: res.received / sendSeconds, complete_readers: res.complete,
    latency_p50_ms: res.p50, latency_p99_ms: res.p99, latency_max_ms: res.max,
    seconds_to_last_receipt: seconds, server_cpu_s: cpu,
    server_cpu_us_per_delivery: (cpu * 1e6) / Math.max(1, res.received), errors };
}

async function main() {
  const a = parseArgs(process.argv);
  const base = `${a.url}/v1/stream/bench/${a.tag}`;
  const appends = await appendPhase(a, base);
  const live = await livePhase(a, base);
  console.log(JSON.stringify({ name: a.name, tag: a.tag, producers: a.producers,
    size: a.size, appends, live, failures }));
  process.exit(failures === 0 ? 0 : 1);
}

if (isMainThread) {
  main().catch((e) => {
    console.error(`FAIL ${e.stack ?? e}`);
    process.exit(1);
  });
} else {
  readerWorker();
}
