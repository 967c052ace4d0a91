// A request that never ends beside an SSE stream, on ONE HTTP/2 connection: a POST whose HEADERS
// come without END_STREAM and no DATA after them. Prints one JSON line once that POST is over
// (its status, body, time taken, RST_STREAM code) and a GET on the same connection answered,
// then a second once the SSE stream ended (what it received).
// usage: node unfinished_request.mjs PORT SSE_PATH POST_PATH
import http2 from 'node:http2';

const [port, ssePath, postPath] = process.argv.slice(2);
const session = http2.connect(`http://127.0.0.1:${port}`);
session.on('error', (e) => console.error('session error', e.message));
setTimeout(() => session.destroy(), 30000).unref();

let sseText = '';
const sse = session.request({ ':path': ssePath });
sse.setEncoding('utf8');
sse.on('data', (d) => { sseText += d; });
sse.on('error', () => {});
sse.on('close', () => {
  console.log(JSON.stringify({
    sse_events: sseText.split('\ndata: ').length - 1 + (sseText.startsWith('data: ') ? 1 : 0),
    sse_end: sseText.includes('event: end'),
    sse_rst: sse.rstCode,
  }));
  session.close();
});

const started = Date.now();
const post = session.request(
  { ':method': 'POST', ':path': postPath, 'content-type': 'application/json' },
  { endStream: false });
let status = null;
let body = '';
post.setEncoding('utf8');
post.on('response', (h) => { status = h[':status']; });
post.on('data', (d) => { body += d; });
post.on('error', () => {});
post.on('close', () => {
  const ms = Date.now() - started;
  const next = session.request({ ':path': '/healthz' });
  next.on('response', (h) => {
    console.log(JSON.stringify({ status, body, ms, rst: post.rstCode, next: h[':status'] }));
  });
  next.on('error', () => {});
  next.resume();
});
