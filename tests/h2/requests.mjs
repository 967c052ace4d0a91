// Requests one after the other on ONE HTTP/2 connection (curl 7.88 cannot reuse a
// prior-knowledge connection: curl/curl#10634). Prints one JSON line: each answer's status (or
// `rst:<code>` when the stream was reset) and the connection's GOAWAY code, if any.
// usage: node requests.mjs PORT '[{"path":"/healthz","headers":{"x-a":"b"}}, ...]'
import http2 from 'node:http2';

const [port, list] = process.argv.slice(2);
const session = http2.connect(`http://127.0.0.1:${port}`);
let goaway = null;
session.on('goaway', (code) => { goaway = code; });
session.on('error', () => {});

const one = (r) => new Promise((resolve) => {
  const req = session.request({ ':path': r.path, ...(r.headers || {}) });
  let status = null;
  req.on('response', (h) => { status = h[':status']; });
  req.on('error', () => {});
  req.resume();
  req.on('close', () => resolve(status ?? `rst:${req.rstCode}`));
});

const out = [];
for (const r of JSON.parse(list)) {
  out.push(await one(r));
}
console.log(JSON.stringify({ answers: out, goaway }));
session.close();
