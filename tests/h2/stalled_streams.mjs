// SLOW SSE streams that are never read and one that is read to its end, all on ONE HTTP/2
// connection. Prints `ready` once every stream answered; once the read stream ended (and a
// moment for resets in flight), one JSON line: each unread stream's RST_STREAM code (null while
// it is still open) and what the read stream received.
// usage: node stalled_streams.mjs PORT PATH SLOW
import http2 from 'node:http2';

const [port, path, slowCount] = process.argv.slice(2);
const session = http2.connect(`http://127.0.0.1:${port}`);
// Only the unread streams' own windows (65535 bytes each) may fill, never the connection's.
session.on('connect', () => session.setLocalWindowSize(64 * 1024 * 1024));
session.on('error', (e) => console.error('session error', e.message));
setTimeout(() => session.destroy(), 60000).unref();

const total = Number(slowCount) + 1;
let answered = 0;
const onResponse = () => {
  if (++answered === total) console.log('ready');
};

const slow = [];
for (let i = 0; i < Number(slowCount); ++i) {
  const s = session.request({ ':path': path });
  s.on('response', onResponse);
  s.pause();  // never read: its window fills and stays shut
  s.on('error', () => {});
  slow.push(s);
}

let text = '';
const fast = session.request({ ':path': path });
fast.on('response', onResponse);
fast.setEncoding('utf8');
fast.on('data', (d) => { text += d; });
fast.on('error', () => {});
fast.on('close', () => setTimeout(() => {
  console.log(JSON.stringify({
    slow_rst: slow.map((s) => (s.closed ? s.rstCode : null)),
    fast_events: text.split('\ndata: ').length - 1,
    fast_end: text.includes('event: end'),
  }));
  session.destroy();
}, 500));
