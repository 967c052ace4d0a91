// HTTP/2 against HTTP/1.1 at the same load, against one running gateway (node 18, no packages).
//
//   node h2_vs_h1.mjs memory --port P --pid PID --proto h1|h2 [--subs 10000] [--conns 100]
//        N idle SSE subscriptions (h2: --conns connections, subs/conns streams each; h1: one
//        connection each) round-robin over 100 streams of one event; each must get its first
//        event. RSS (VmRSS of PID) before, at the peak 2 s later: bytes per subscription.
//   node h2_vs_h1.mjs cpu --port P --pid PID --proto h1|h2 [--subs 1000] [--conns 10]
//        [--streams 100] [--rate 2000] [--seconds 20] [--bytes 256]
//        subs subscribers round-robin over --streams streams; a producer appends --rate events/s
//        in total (HTTP/1.1, one keep-alive connection per stream, in order) for --seconds; every
//        subscriber must see every event's counter in order (losses, duplicates: must be 0).
//        Gateway utime+stime (/proc/PID/stat) from the first append to the last delivery, over
//        deliveries; this client's own CPU too. produce_s shows whether the rate was held (20 s):
//        10 streams (200,000 deliveries/s) was more than this 2-core machine could carry.
//
// The protocol is the only difference between the two sides: same streams, same events, same
// client process. One JSON line on stdout; progress on stderr. Every wait is bounded.
import http from 'node:http';
import http2 from 'node:http2';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const { positionals, values: o } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' }, pid: { type: 'string' }, proto: { type: 'string', default: 'h2' },
    subs: { type: 'string' }, conns: { type: 'string' }, streams: { type: 'string', default: '100' },
    rate: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '20' },
    bytes: { type: 'string', default: '256' }, tag: { type: 'string', default: String(Date.now()) },
  },
});
const mode = positionals[0];
const port = Number(o.port);
const pid = Number(o.pid);
const h2 = o.proto === 'h2';
let base = `http://127.0.0.1:${port}`;
const log = (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rss() {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(m[1]) * 1024;
}
const hz = 100;  // CLK_TCK on Linux
function gatewayCpu() {  // utime + stime in seconds; the name field may hold spaces
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / hz;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function append(stream, data, ag = agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/streams/${stream}/events`, {
      method: 'POST', agent: ag, headers: { 'content-type': 'application/json' },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`append ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ data }));
  });
}

// One subscription: onData(chunk string) for every chunk; resolves once the response is 200.
const sessions = [];
function subscribe(i, path, onData, conns) {
  return new Promise((resolve, reject) => {
    if (h2) {
      const session = sessions[i % conns];
      const req = session.request({ ':path': path, accept: 'text/event-stream' });
      req.setEncoding('utf8');
      req.on('response', (h) => (h[':status'] === 200 ? resolve(req) : reject(new Error(`status ${h[':status']}`))));
      req.on('data', onData);
      req.on('error', reject);
    } else {
      const req = http.request(`${base}${path}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', onData);
        resolve(req);
      });
      req.on('error', reject);
      req.end();
    }
  });
}
async function openSessions(conns) {
  for (let c = 0; c < conns; c++) {
    const s = http2.connect(base, { maxSessionMemory: 256 });
    await new Promise((r, j) => { s.once('remoteSettings', r); s.once('error', j); });
    sessions.push(s);
  }
}
async function closeAll(reqs) {
  for (const r of reqs) r.destroy();
  for (const s of sessions) s.destroy();
  sessions.length = 0;
  await sleep(500);
}
// Waits (at most 30 s) until the gateway's RSS stops falling: jemalloc gives freed memory back
// along a 10 s decay curve, so a case must not start on the previous case's freed pages.
async function settledRss() {
  let last = rss();
  let still = 0;
  for (let t = 0; t < 30 && still < 3; t++) {
    await sleep(1000);
    const now = rss();
    still = last - now < 256 * 1024 ? still + 1 : 0;
    last = now;
  }
  return last;
}
async function inBatches(n, batch, fn) {  // n calls of fn(i), at most `batch` pending at once
  const out = new Array(n);
  for (let i = 0; i < n; i += batch) {
    const part = [];
    for (let k = i; k < Math.min(n, i + batch); k++) part.push(fn(k).then((v) => { out[k] = v; }));
    await Promise.all(part);
  }
  return out;
}
async function withDeadline(p, ms, what) {
  let t;
  const d = new Promise((_, j) => { t = setTimeout(() => j(new Error(`timeout: ${what}`)), ms); });
  try { return await Promise.race([p, d]); } finally { clearTimeout(t); }
}

async function memory() {
  const subs = Number(o.subs ?? 10000);
  const conns = h2 ? Number(o.conns ?? 100) : subs;
  const ids = Array.from({ length: 100 }, (_, k) => `mem-${o.tag}-${k}`);
  for (const id of ids) await append(id, 'x'.repeat(40));
  agent.destroy();
  const before = await settledRss();
  const t0 = Date.now();
  if (h2) await openSessions(conns);
  const reqs = await withDeadline(inBatches(subs, 500, (i) => new Promise((resolve, reject) => {
    let got = '';
    let req;
    const ready = subscribe(i, `/v1/streams/${ids[i % ids.length]}/events`, (c) => {
      got += c;
      if (got.includes('\ndata:')) { got = ''; ready.then(resolve); }
    }, conns).then((r) => { req = r; return r; }, reject);
  })), 120000, 'subscriptions');
  log(`${o.proto}: ${subs} subscriptions on ${h2 ? conns : subs} connections in ${Date.now() - t0} ms`);
  await sleep(2000);
  const peak = rss();
  await closeAll(reqs);
  const r = { mode, proto: o.proto, subs, conns: h2 ? conns : subs, rss_before: before, rss_peak: peak,
    bytes_per_sub: Math.round((peak - before) / subs) };
  log(`${o.proto}: RSS ${(before / 2 ** 20).toFixed(1)} -> ${(peak / 2 ** 20).toFixed(1)} MiB, ${r.bytes_per_sub} B per subscription`);
  return r;
}

async function cpu() {
  const subs = Number(o.subs ?? 1000);
  const conns = h2 ? Number(o.conns ?? 10) : subs;
  const nStreams = Number(o.streams);
  const rate = Number(o.rate);
  const seconds = Number(o.seconds);
  const pad = 'x'.repeat(Math.max(0, Number(o.bytes) - 8));
  const total = rate * seconds;               // events over all streams
  const perStream = Math.floor(total / nStreams);
  const ids = Array.from({ length: nStreams }, (_, k) => `cpu-${o.tag}-${k}`);
  // Event 0 creates each stream; subscribers get it by replay, then the live tail 1..perStream.
  for (const id of ids) await append(id, `0 ${pad}`);
  const subStats = [];
  let done = 0;
  let finished;
  const allDone = new Promise((r) => { finished = r; });
  if (h2) await openSessions(conns);
  const reqs = await withDeadline(inBatches(subs, 500, (i) => {
    const st = { next: 0, lost: 0, dup: 0, got: 0, rest: '' };
    subStats.push(st);
    return subscribe(i, `/v1/streams/${ids[i % nStreams]}/events`, (c) => {
      const text = st.rest + c;
      let from = 0;
      for (;;) {  // each event's data line is "data: <n> xxx..."
        const at = text.indexOf('\ndata: ', from);
        if (at < 0) break;
        const end = text.indexOf(' ', at + 7);
        if (end < 0) break;
        const n = Number(text.slice(at + 7, end));
        if (n > st.next) st.lost += n - st.next;
        if (n < st.next) st.dup++; else st.next = n + 1;
        st.got++;
        from = end;
      }
      st.rest = text.slice(Math.max(from, text.length - 16));
      if (st.next === perStream + 1 && !st.done) { st.done = true; if (++done === subs) finished(); }
    }, conns);
  }), 60000, 'subscriptions');
  await sleep(1000);
  log(`${o.proto}: ${subs} subscribers on ${conns} connections; ${rate} events/s for ${seconds} s over ${nStreams} streams`);
  const cpu0 = gatewayCpu();
  const me0 = process.cpuUsage();
  const t0 = Date.now();
  // The producer runs on its own thread (its own event loop), so that a client busy parsing
  // cannot slow the append rate; its CPU is in this process's figure either way.
  const worker = new Worker(new URL(import.meta.url), { workerData: { port, ids, perStream, seconds, pad } });
  const { errors } = await new Promise((r, j) => { worker.once('message', r); worker.once('error', j); });
  const produced = Date.now() - t0;
  let complete = true;
  await withDeadline(allDone, 30000, 'deliveries').catch(() => { complete = false; });
  const wall = (Date.now() - t0) / 1000;
  const gw = gatewayCpu() - cpu0;
  const me = process.cpuUsage(me0);
  const deliveries = subStats.reduce((a, s) => a + s.got, 0) - subs;  // minus the replayed event 0
  const lost = subStats.reduce((a, s) => a + s.lost + (perStream + 1 - s.next), 0);
  const dup = subStats.reduce((a, s) => a + s.dup, 0);
  await closeAll(reqs);
  agent.destroy();
  const r = { mode, proto: o.proto, subs, conns, streams: nStreams, events: perStream * nStreams,
    append_errors: errors, produce_s: produced / 1000, wall_s: wall, complete, deliveries, lost, dup,
    gateway_cpu_s: +gw.toFixed(2), client_cpu_s: +((me.user + me.system) / 1e6).toFixed(2),
    gateway_us_per_delivery: +((gw * 1e6) / deliveries).toFixed(3),
    client_us_per_delivery: +(((me.user + me.system)) / deliveries).toFixed(3) };
  log(`${o.proto}: ${deliveries} deliveries, lost ${lost}, dup ${dup}; gateway ${r.gateway_cpu_s} s = ${r.gateway_us_per_delivery} µs/delivery, client ${r.client_cpu_s} s`);
  return r;
}

// The producer thread: each stream's events in order on its own keep-alive connection, in ticks of
// 10 ms at the asked rate.
async function produce({ ids, perStream, seconds, pad }) {
  const agents = ids.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const t0 = Date.now();
  const sent = new Array(ids.length).fill(0);
  const chains = ids.map(() => Promise.resolve());
  let errors = 0;
  for (let tick = 1; tick <= seconds * 100; tick++) {
    const due = Math.min(perStream, Math.floor((tick * perStream) / (seconds * 100)));
    for (let s = 0; s < ids.length; s++) {
      while (sent[s] < due) {
        const n = ++sent[s];
        chains[s] = chains[s].then(() => append(ids[s], `${n} ${pad}`, agents[s])).catch(() => { errors++; });
      }
    }
    await sleep(Math.max(0, t0 + tick * 10 - Date.now()));
  }
  await Promise.all(chains);
  for (const a of agents) a.destroy();
  parentPort.postMessage({ errors });
}
if (!isMainThread) {
  base = `http://127.0.0.1:${workerData.port}`;
  await produce(workerData);
  process.exit(0);
}

const result = mode === 'memory' ? await memory() : mode === 'cpu' ? await cpu() : null;
if (!result) { process.stderr.write('usage: see the top of bench/h2/h2_vs_h1.mjs\n'); process.exit(2); }
console.log(JSON.stringify(result));
process.exit(result.lost || result.dup || result.append_errors || result.complete === false ? 1 : 0);
