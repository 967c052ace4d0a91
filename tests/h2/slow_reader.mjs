// Two SSE streams on one HTTP/2 connection: the first is never read (its window fills and stays
// shut), the second is read to its end. Once both answered, the script is also the producer: it
// appends EVENTS events of 4,000 bytes, one every INTERVAL_MS, over a separate HTTP/1.1
// keep-alive connection, each carrying the time it was sent, then ends the stream. Prints one
// JSON line: the first stream's RST_STREAM code and when it came (ms after the first append),
// how many events the second stream received, whether it saw the end, and the longest any of
// its events took from append to arrival (the same clock on both sides).
// usage: node slow_reader.mjs PORT PATH EVENTS INTERVAL_MS
import http from 'node:http';
import http2 from 'node:http2';

const [port, path, eventCount, intervalMs] = process.argv.slice(2);
const session = http2.connect(`http://127.0.0.1:${port}`);
// The connection window must not be what stops the second stream: only the first stream's own
// window (65535 bytes by default) fills.
session.on('connect', () => session.setLocalWindowSize(64 * 1024 * 1024));
session.on('error', (e) => console.error('session error', e.message));

const result = {
  slow_rst: null,
  slow_rst_after_ms: null,
  fast_events: 0,
  fast_end: false,
  max_delay_ms: 0,
};
let firstAppendAt = null;
let slowClosed = false;
let fastClosed = false;
const finish = () => {
  if (!slowClosed || !fastClosed) return;
  console.log(JSON.stringify(result));
  session.close();
};

const slow = session.request({ ':path': path });
slow.pause();  // never read
slow.on('error', () => {});
slow.on('close', () => {
  result.slow_rst = slow.rstCode;
  result.slow_rst_after_ms = firstAppendAt === null ? null : Date.now() - firstAppendAt;
  slowClosed = true;
  finish();
});

// Complete events only (a DATA frame may end mid-event): the data line starts with the send time.
const fast = session.request({ ':path': path });
fast.setEncoding('utf8');
let pending = '';
fast.on('data', (chunk) => {
  pending += chunk;
  let cut;
  while ((cut = pending.indexOf('\n\n')) >= 0) {
    const event = pending.slice(0, cut);
    pending = pending.slice(cut + 2);
    if (/^event: end$/m.test(event)) result.fast_end = true;
    const data = /^data: (\d+) /m.exec(event);
    if (data === null) continue;
    result.fast_events += 1;
    result.max_delay_ms = Math.max(result.max_delay_ms, Date.now() - Number(data[1]));
  }
});
fast.on('error', () => {});
fast.on('close', () => { fastClosed = true; finish(); });

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const post = (suffix, body) => new Promise((resolve, reject) => {
  const req = http.request({
    host: '127.0.0.1', port, method: 'POST', path: path.replace(/\/events$/, '') + suffix, agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${suffix}: ${res.statusCode}`))));
  });
  req.on('error', reject);
  req.end(body);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const produce = async () => {
  const filler = 'x'.repeat(4000);
  firstAppendAt = Date.now();
  for (let i = 0; i < Number(eventCount); ++i) {
    await sleep(firstAppendAt + i * Number(intervalMs) - Date.now());
    await post('/events', JSON.stringify({ data: `${Date.now()} ${filler}` }));
  }
  await post('/end', '');
  agent.destroy();
};

let answered = 0;
const onResponse = () => {
  if (++answered === 2) produce().catch((e) => { console.error(e.message); process.exit(1); });
};
slow.on('response', onResponse);
fast.on('response', onResponse);
