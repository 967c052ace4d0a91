// Two SSE streams on one HTTP/2 connection: the first is never read (its window fills and stays
// shut), the second is read to its end. Prints `ready` once both answered, then one JSON line:
// the first stream's RST_STREAM code and what the second received.
// usage: node slow_reader.mjs PORT PATH
import http2 from 'node:http2';

const [port, path] = process.argv.slice(2);
const session = http2.connect(`http://127.0.0.1:${port}`);
// The connection window must not be what stops the second stream: only the first stream's own
// window (65535 bytes by default) fills.
session.on('connect', () => session.setLocalWindowSize(64 * 1024 * 1024));
session.on('error', (e) => console.error('session error', e.message));

let answered = 0;
const result = { slow_rst: null, fast_text: '', fast_closed: false, slow_closed: false };
const finish = () => {
  if (!result.slow_closed || !result.fast_closed) return;
  const text = result.fast_text;
  console.log(JSON.stringify({
    slow_rst: result.slow_rst,
    fast_events: text.split('\ndata: ').length - 1,
    fast_end: text.includes('event: end'),
  }));
  session.close();
};
const onResponse = () => {
  if (++answered === 2) console.log('ready');
};

const slow = session.request({ ':path': path });
slow.on('response', onResponse);
slow.pause();  // never read
slow.on('error', () => {});
slow.on('close', () => { result.slow_rst = slow.rstCode; result.slow_closed = true; finish(); });

const fast = session.request({ ':path': path });
fast.on('response', onResponse);
fast.setEncoding('utf8');
fast.on('data', (d) => { result.fast_text += d; });
fast.on('error', () => {});
fast.on('close', () => { result.fast_closed = true; finish(); });
