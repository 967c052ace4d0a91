// The official Durable Streams client (npm @durable-streams/client, pinned) against three gateway
// nodes on one redis-server, over a network that fails:
//   - two streams, one JSON (one message per sequence number) and one of bytes (lines that carry
//     their sequence number, of random lengths);
//   - a producer per stream, the client's IdempotentProducer, sends its batches to a random node
//     each time, through proxies that lose some answers after the node has acted (the producer's
//     fetch retries on a network error, as the client's docs say is safe);
//   - four readers (each stream read live with SSE and with long-poll) follow the streams through
//     round-robin proxies that cut every connection at random intervals; on a cut the reader
//     starts a new read from the last offset it was given, as an application does;
//   - the producers close the streams at the end; each reader must have received every message
//     (every byte) exactly once, in order, and the stream's close.
// Also checked: the cuts did hit reads (readers resumed), answers were lost (so duplicates were
// sent), every node served reads and appends (the nodes' own /metrics), and a catch-up read
// from each node sees the same whole stream. Bounded: a watchdog fails the test after
// --overall-ms, every read has a deadline. DIR/readerN.trace lists each reader's requests (and
// the node each went to), cuts and batches, to see where a message went astray.
//
//   node client_cuts_test.mjs --gateway BIN --out DIR [--messages 2000] [--seed N]

import fs from 'node:fs';

import { DurableStream, IdempotentProducer, stream } from '@durable-streams/client';

import { parseArgs, requestsServed, sleep, startTopology, within } from './processes.mjs';
import { roundRobinProxy } from './round_robin_proxy.mjs';

const args = parseArgs(process.argv, { messages: '2000', seed: String(Date.now() % 1e9),
  'overall-ms': '240000' }, ['gateway', 'out']);
const total = Number(args.messages);
const overall_ms = Number(args['overall-ms']);
const read_ms = overall_ms - 60_000;  // what the readers get before they are declared stuck

// A seeded RNG (mulberry32), so that a failing run's cut and loss pattern can be replayed.
let rngState = Number(args.seed) >>> 0;
function random() {
  rngState = (rngState + 0x6d2b79f5) >>> 0;
  let t = rngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

let failures = 0;
let checks = 0;
function check(ok, message, detail) {
  checks += 1;
  if (ok) {
    console.log(`ok   ${message}`);
  } else {
    failures += 1;
    const saw = detail === undefined ? '' : `\n     saw: ${JSON.stringify(detail)}`;
    console.log(`FAIL ${message}${saw}`);
  }
}

// The messages, known in advance so that a reader can check each one as it comes.
const jsonMessage = (n) => JSON.stringify({ n, text: `message ${n}` });
const byteLines = Array.from({ length: total }, (_, n) =>
  `${String(n).padStart(6, '0')} ${'x'.repeat(between(0, 200))}\n`);
const allBytes = Buffer.from(byteLines.join(''));

/// A fetch for the producer: each attempt to a random one of `bases`; a network error (the
/// proxy lost the answer) is retried with the same body, up to 20 times.
function randomNodeFetch(bases, stats) {
  return async (url, init) => {
    const u = new URL(url);
    let last;
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      const base = bases[Math.floor(random() * bases.length)];
      try {
        return await fetch(`${base}${u.pathname}${u.search}`, init);
      } catch (e) {
        if (init?.signal?.aborted) {
          throw e;
        }
        last = e;
        stats.retries += 1;
        await sleep(10 * attempt);
      }
    }
    throw last;
  };
}

/// Appends the messages in bursts (so that the readers follow a stream that grows while they
/// read), then closes the stream through the producer.
async function produce(handle, name, parts, fetchImpl, stats) {
  const errors = [];
  const producer = new IdempotentProducer(handle, name, {
    fetch: fetchImpl, lingerMs: 2, maxInFlight: 5, onError: (e) => errors.push(String(e)),
  });
  for (let n = 0; n < parts.length;) {
    const burst = between(5, 40);
    for (const end = Math.min(n + burst, parts.length); n < end; n += 1) {
      producer.append(parts[n]);
    }
    await sleep(between(20, 120));
  }
  await producer.flush();
  const closed = await producer.close();
  stats.errors = errors;
  stats.finalOffset = closed.finalOffset;
}

/// Follows `url` live (`live` is 'sse' or 'long-poll') from the start until the stream's close,
/// feeding every batch to `take` (which throws on a message out of place). A read that ends
/// without the close (cut, error) is started again from the last offset it was given.
///
/// The client settles `res.closed` before its subscriber has seen the last batches (the
/// response stream closes or fails ahead of the consumer), so a read is over only when its
/// batches have stopped coming too; one that still delivers after that is abandoned (its late
/// batches are dropped, `late`), since the next read starts from the last offset taken.
async function follow(url, live, json, take, deadline, trace) {
  const r = { sessions: 0, errors: [], closed: false, batches: 0, late: 0 };
  const log = (line) => trace.push(`${Date.now() % 100000} ${line}`);
  let offset = '-1';
  while (!r.closed && Date.now() < deadline) {
    r.sessions += 1;
    const session = r.sessions;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(deadline - Date.now(), 1));
    let active = true;
    let lastBatchAt = 0;
    let unsubscribe = () => {};
    const onBatch = async (batch) => {
      if (!active) {
        r.late += 1;
        return;
      }
      lastBatchAt = Date.now();
      log(`read ${session}: ${json ? JSON.stringify(batch.items.map((m) => m?.n)).slice(0, 60)
        : `${batch.data.length} bytes`} -> ${batch.offset} upToDate=${batch.upToDate} ` +
        `closed=${batch.streamClosed}`);
      take(batch);
      r.batches += 1;
      offset = batch.offset;
      if (batch.streamClosed) {
        r.closed = true;
      }
    };
    try {
      const res = await stream({ url, offset, live, json, signal: abort.signal,
        backoffOptions: { initialDelay: 20, maxDelay: 500, multiplier: 1.5, maxRetries: 40 } });
      unsubscribe = json ? res.subscribeJson(onBatch) : res.subscribeBytes(onBatch);
      await res.closed;
      log(`read ${session} closed`);
    } catch (e) {
      if (e instanceof OrderError) {
        throw e;
      }
      if (r.errors.length < 20) {
        r.errors.push(String(e?.message ?? e));
      }
      log(`read ${session} failed: ${e?.message ?? e}`);
    } finally {
      // Let the batches already received reach the subscriber (bounded), then abandon the read.
      const settled = Date.now();
      while (Date.now() - Math.max(settled, lastBatchAt) < 150 && Date.now() - settled < 2000) {
        await sleep(25);
      }
      active = false;
      unsubscribe();
      clearTimeout(timer);
    }
  }
  return r;
}

class OrderError extends Error {}

function jsonTaker(state) {
  return (batch) => {
    for (const item of batch.items) {
      if (item?.n !== state.next) {
        state.bad ??= { expected: state.next, got: item, offset: batch.offset };
        throw new OrderError(`expected message ${state.next}, got ${JSON.stringify(item)}`);
      }
      state.next += 1;
    }
  };
}

function byteTaker(state) {
  return (batch) => {
    const chunk = Buffer.from(batch.data);
    const want = allBytes.subarray(state.pos, state.pos + chunk.length);
    if (!want.equals(chunk)) {
      state.bad ??= { at: state.pos, got: chunk.subarray(0, 40).toString(),
        want: want.subarray(0, 40).toString() };
      throw new OrderError(`bytes from ${state.pos} differ`);
    }
    state.pos += chunk.length;
  };
}

async function main() {
  fs.rmSync(args.out, { recursive: true, force: true });
  fs.mkdirSync(args.out, { recursive: true });
  console.log(`seed ${args.seed}, ${total} messages per stream`);
  const topology = await startTopology({ bin: args.gateway, dir: args.out, store: 'redis', nodes: 3,
    gatewayArgs: ['--telemetry', 'none', '--threads', '1', '--durable-long-poll-timeout', '3s',
      '--buffer-max-bytes', '64MiB'] });
  const targets = topology.gateways.map((g) => g.url);
  const proxies = [];
  let cutter = null;
  try {
    // Producer paths: one lossy proxy per node; the producer picks among them at random.
    const writePaths = targets.map((t) => roundRobinProxy([t]));
    for (const p of writePaths) {
      p.loseAnswer = (req) => req.method === 'POST' && random() < 0.08;
    }
    // Reader paths: each reader through its own round-robin proxy over the three nodes.
    const readPaths = [0, 1, 2, 3].map(() => roundRobinProxy(targets));
    const liveSeen = readPaths.map(() => new Map());
    const traces = readPaths.map(() => []);
    readPaths.forEach((p, i) => {
      p.onRequest = (req, node) => {
        traces[i].push(`${Date.now() % 100000} ${req.method} ${req.url} -> node${node + 1}`);
        const live = new URL(req.url, 'http://x').searchParams.get('live') ?? 'catch-up';
        liveSeen[i].set(live, (liveSeen[i].get(live) ?? 0) + 1);
      };
    });
    proxies.push(...writePaths, ...readPaths);
    const writeBases = await Promise.all(writePaths.map((p) => p.listen()));
    const readBases = await Promise.all(readPaths.map((p) => p.listen()));

    const paths = { json: '/v1/stream/cuts/json', bytes: '/v1/stream/cuts/bytes' };
    const jsonHandle = await DurableStream.create({ url: `${writeBases[0]}${paths.json}`,
      contentType: 'application/json' });
    const bytesHandle = await DurableStream.create({ url: `${writeBases[1]}${paths.bytes}`,
      contentType: 'application/octet-stream' });

    // Cuts at random intervals, each reader path on its own clock.
    let cutting = true;
    cutter = Promise.all(readPaths.map(async (p, i) => {
      while (cutting) {
        await sleep(between(100, 600));
        if (cutting) {
          traces[i].push(`${Date.now() % 100000} cut (${p.interrupted} so far)`);
          p.cut();
        }
      }
    }));

    const deadline = Date.now() + read_ms;
    const states = [{ next: 0 }, { next: 0 }, { pos: 0 }, { pos: 0 }];
    const readers = [
      follow(`${readBases[0]}${paths.json}`, 'sse', true, jsonTaker(states[0]), deadline,
        traces[0]),
      follow(`${readBases[1]}${paths.json}`, 'long-poll', true, jsonTaker(states[1]), deadline,
        traces[1]),
      follow(`${readBases[2]}${paths.bytes}`, 'sse', false, byteTaker(states[2]), deadline,
        traces[2]),
      follow(`${readBases[3]}${paths.bytes}`, 'long-poll', false, byteTaker(states[3]), deadline,
        traces[3]),
    ].map((p) => p.catch((e) => ({ failed: String(e.message ?? e) })));
    const stats = [{ retries: 0 }, { retries: 0 }];
    const fetchImpl = randomNodeFetch(writeBases, stats[0]);
    const fetchImpl2 = randomNodeFetch(writeBases, stats[1]);
    await within(Promise.all([
      produce(jsonHandle, 'json-producer', Array.from({ length: total }, (_, n) => jsonMessage(n)),
        fetchImpl, stats[0]),
      produce(bytesHandle, 'bytes-producer', byteLines, fetchImpl2, stats[1]),
    ]), read_ms, 'the producers');
    const results = await Promise.all(readers);
    cutting = false;
    await cutter;

    for (const [i, s] of stats.entries()) {
      check(s.errors.length === 0, `producer ${i + 1} reported no error`, s.errors.slice(0, 5));
      console.log(`     producer ${i + 1}: ${s.retries} retries, closed at ${s.finalOffset}`);
    }
    const lost = writePaths.reduce((a, p) => a + p.lost, 0);
    check(lost >= 5, `answers to appends were lost and the appends retried (${lost})`);

    const names = ['JSON over SSE', 'JSON over long-poll', 'bytes over SSE',
      'bytes over long-poll'];
    for (const [i, r] of results.entries()) {
      const s = states[i];
      console.log(`     ${names[i]}: ${JSON.stringify({ ...r, errors: r.errors?.slice(0, 3) })}`);
      check(!r.failed && s.bad === undefined, `${names[i]}: nothing out of place`,
        r.failed ?? s.bad);
      fs.writeFileSync(`${args.out}/reader${i + 1}.trace`, `${traces[i].join('\n')}\n`);
      if (s.next !== undefined) {
        check(s.next === total, `${names[i]}: all ${total} messages once, in order`, s.next);
      } else {
        check(s.pos === allBytes.length,
          `${names[i]}: all ${allBytes.length} bytes once, in order`, s.pos);
      }
      check(r.closed === true, `${names[i]}: saw the stream's close`);
      // The client retries a request cut before its answer began by itself; a cut answer ends the
      // read (sessions counts the reads this test started again).
      check(readPaths[i].interrupted >= 5, `${names[i]}: cuts caught its requests in flight ` +
        `(${readPaths[i].interrupted} in ${readPaths[i].cuts} cuts; ${r.sessions} reads started)`);
      if (i % 2 === 0) {
        check(r.sessions >= 5, `${names[i]}: cut SSE answers were resumed from their offset`);
      }
      const kinds = Object.fromEntries(liveSeen[i]);
      const mode = i % 2 === 0 ? 'sse' : 'long-poll';
      check((kinds[mode] ?? 0) >= 5, `${names[i]}: its requests were ${mode} reads`, kinds);
    }

    // Every node did its part, by its own count, not the proxies'.
    for (const g of topology.gateways) {
      const served = await requestsServed(g);
      check(served >= 50, `${g.name} served requests (${served})`);
      check(!g.exited(), `${g.name} is still running`, g.exited());
    }
    // Every node reads the whole stream back, the same (the store is one, whoever is asked).
    for (const g of topology.gateways) {
      const res = await stream({ url: `${g.url}${paths.json}`, live: false });
      const items = await within(res.json(), 30_000, `catch-up from ${g.name}`);
      check(items.length === total && items.every((m, n) => m.n === n),
        `${g.name}: a catch-up read has the ${total} messages in order`, items.length);
      check(res.streamClosed, `${g.name}: the stream reads as closed`);
      const bres = await stream({ url: `${g.url}${paths.bytes}`, live: false });
      const bytes = Buffer.from(await within(bres.body(), 30_000, `catch-up bytes from ${g.name}`));
      check(bytes.equals(allBytes),
        `${g.name}: a catch-up read has the same ${allBytes.length} bytes`, bytes.length);
    }
    const cuts = readPaths.reduce((a, p) => a + p.cuts, 0);
    console.log(`     ${cuts} cuts; read requests per node: ` +
      JSON.stringify(readPaths.map((p) => p.served)));
  } finally {
    cutter = null;
    await Promise.all(proxies.map((p) => p.close()));
    await topology.stop();
  }
}

const watchdog = setTimeout(() => {
  console.log(`FAIL client_cuts did not finish within ${overall_ms} ms (seed ${args.seed})`);
  process.exit(1);
}, overall_ms);
main().then(() => {
  clearTimeout(watchdog);
  console.log(`${checks - failures}/${checks} checks passed (seed ${args.seed})`);
  process.exit(failures === 0 && checks > 0 ? 0 : 1);
}).catch((e) => {
  clearTimeout(watchdog);
  console.log(`FAIL ${e.stack ?? e} (seed ${args.seed})`);
  process.exit(1);
});
