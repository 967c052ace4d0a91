// What HTTP/2 flow-control windows cost over a link with a round trip, against one running
// gateway (memory store, --auth none). Loopback has no round trip and this machine's kernel has
// no netem, so the script puts one in: an in-process TCP proxy that holds every chunk for
// DELAY ms in each direction (RTT = 2 x DELAY) and buffers without limit, so that only the h2
// windows, not TCP's, bound what is in flight.
//
//   node bench/h2/windows.mjs --port P [--delay-ms 25] [--streams 100] [--rounds 3]
//
// read:   STREAMS concurrent GETs on one connection, each replaying a stream of 256 events of
//         1,000 B and its end (~265 KB each), with the client's windows at node/nghttp2's
//         default (64 KiB stream and connection), 1 MiB/15 MiB, and Chromium's 6 MiB/15 MiB.
//         The client's windows are what bound the gateway's sending.
// upload: one append of 500 events (~510 KB of NDJSON) over h2 and over HTTP/1.1 through the
//         same proxy, on a connection already in use: the gateway's own windows (its SETTINGS
//         and its connection WINDOW_UPDATE) bound what a producer may send.
// One JSON line per case: median, min and max seconds over the rounds, MB/s (last round's bytes
// over the median), and per round the streams the gateway reset as slow clients (a reader whose
// windows hold back more than --http2-max-connection-queue-bytes for over a second).
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' },
    'delay-ms': { type: 'string', default: '25' },
    streams: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
  },
});
const gatewayPort = Number(opt.port);
const delay = Number(opt['delay-ms']);
const streams = Number(opt.streams);
const rounds = Number(opt.rounds);

// Timers of one duration fire in the order they were set, so each direction stays in order.
const proxy = net.createServer((client) => {
  const upstream = net.connect(gatewayPort, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  const pipe = (from, to) => {
    from.on('data', (d) => setTimeout(() => to.write(d), delay));
    from.on('end', () => setTimeout(() => to.end(), delay));
    from.on('error', () => to.destroy());
  };
  pipe(client, upstream);
  pipe(upstream, client);
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const proxyPort = proxy.address().port;

const direct = (method, path, body = '') => new Promise((resolve, reject) => {
  const req = http.request({ host: '127.0.0.1', port: gatewayPort, method, path,
    headers: { 'content-type': 'application/x-ndjson' } }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
  });
  req.on('error', reject);
  req.end(body);
});
const ndjson = (n) => Array.from({ length: n },
  (_, i) => JSON.stringify({ data: String(i).padEnd(1000, 'x') })).join('\n') + '\n';

// The stream every read replays: filled and ended once.
const readStream = `win-${process.pid}`;
await direct('PUT', `/v1/streams/${readStream}`);
if (await direct('POST', `/v1/streams/${readStream}/events`, ndjson(256)) !== 200) {
  throw new Error('could not fill the stream');
}
await direct('POST', `/v1/streams/${readStream}/end`);

const readAll = (streamWindow, connectionWindow) => new Promise((resolve, reject) => {
  const session = http2.connect(`http://127.0.0.1:${proxyPort}`,
    { settings: { initialWindowSize: streamWindow } });
  session.on('error', reject);
  let bytes = 0;
  let open = streams;
  let reset = 0;
  let started;
  session.on('connect', () => {
    if (connectionWindow > 65535) session.setLocalWindowSize(connectionWindow);
    started = process.hrtime.bigint();
    for (let i = 0; i < streams; ++i) {
      const req = session.request({ ':path': `/v1/streams/${readStream}/events` });
      req.on('data', (d) => { bytes += d.length; });
      req.on('error', () => {});  // a reset: counted below
      req.on('close', () => {
        if (req.rstCode !== 0) ++reset;  // dropped as a slow client (CANCEL)
        if (--open === 0) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          session.close();
          resolve({ seconds, bytes, reset });
        }
      });
    }
  });
});

// Producers keep their connections: each upload is timed on a connection that already carried
// one request, so the first round trip of a new connection (HTTP/2's SETTINGS exchange, before
// which the client may send only 64 KiB) is not part of the figure.
const body = ndjson(500);
const uploadH2 = () => new Promise((resolve, reject) => {
  const session = http2.connect(`http://127.0.0.1:${proxyPort}`);
  session.on('error', reject);
  const post = () => {
    const started = process.hrtime.bigint();
    const req = session.request({ ':method': 'POST', ':path': `/v1/streams/up-h2-${process.pid}/events`,
      'content-type': 'application/x-ndjson' });
    req.on('response', (h) => { if (h[':status'] !== 200) reject(new Error(`h2 ${h[':status']}`)); });
    req.resume();
    req.on('end', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      session.close();
      resolve({ seconds, bytes: body.length });
    });
    req.end(body);
  };
  const warm = session.request({ ':path': `/v1/streams/${readStream}` });
  warm.resume();
  warm.on('end', post);
});
const uploadH1 = () => new Promise((resolve, reject) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method, path, payload, done) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method, path, agent,
      headers: { 'content-type': 'application/x-ndjson', 'content-length': payload.length } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`h1 ${method} ${res.statusCode}`));
      res.resume();
      res.on('end', done);
    });
    req.on('error', reject);
    req.end(payload);
  };
  request('GET', `/v1/streams/${readStream}`, '', () => {
    const started = process.hrtime.bigint();
    request('POST', `/v1/streams/up-h1-${process.pid}/events`, body, () => {
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: body.length });
      agent.destroy();
    });
  });
});

const cases = [
  ['read window 64KiB/64KiB', () => readAll(65535, 65535)],
  ['read window 1MiB/15MiB', () => readAll(1 << 20, 15 << 20)],
  ['read window 6MiB/15MiB (Chromium)', () => readAll(6 << 20, 15 << 20)],
  ['upload h2', uploadH2],
  ['upload http/1.1', uploadH1],
];
for (const [name, run] of cases) {
  const times = [];
  const resets = [];
  let bytes = 0;
  for (let r = 0; r < rounds; ++r) {
    const got = await run();
    times.push(got.seconds);
    resets.push(got.reset ?? 0);
    bytes = got.bytes;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({
    case: name, rtt_ms: 2 * delay, streams: name.startsWith('read') ? streams : 1,
    bytes_last_round: bytes, streams_reset_per_round: resets, median_s: +median.toFixed(3), min_s: +times[0].toFixed(3),
    max_s: +times[times.length - 1].toFixed(3), mb_per_s: +(bytes / median / 1e6).toFixed(2),
  }));
}
proxy.close();
process.exit(0);
