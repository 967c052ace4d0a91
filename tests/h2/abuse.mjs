// Misbehaving HTTP/2 clients, each run once against the gateway. Prints one JSON line: what the
// server answered (GOAWAY code, RST_STREAM codes, statuses) and whether it closed the connection.
// usage: node abuse.mjs PORT MODE [ARG...]
//   rapid-reset COUNT          node:http2: COUNT requests, each reset (RST_STREAM CANCEL) right
//                              after its HEADERS, as fast as the session takes them
//   many-streams PATH COUNT [after-ack]
//                              raw frames, sent before the server's SETTINGS are acknowledged
//                              (with `after-ack`: once they are): COUNT GET requests at once;
//                              prints `ready` once every stream was answered or refused, then
//                              waits for the answered ones to end (or the connection's)
//   held-streams PATH COUNT    node:http2, after the server's SETTINGS: COUNT GET requests at
//                              once (the client holds those past the announced limit); prints
//                              how many were answered while the first ones stay open, then
//                              what every request got once they all closed
//   raw-frame KIND             raw frames after the preface: `data-on-stream-0`, `oversized`
//                              (a frame over the 16384-byte SETTINGS_MAX_FRAME_SIZE), or a
//                              request with a bad field (`uppercase`, `connection`) followed by
//                              a good one on the same connection
import http2 from 'node:http2';
import net from 'node:net';

const [port, mode, ...args] = process.argv.slice(2);
const print = (o) => console.log(JSON.stringify(o));

// --- raw frames ------------------------------------------------------------------------------
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const frame = (type, flags, stream, payload) => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
};
const T = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, GOAWAY: 7 };
const END_STREAM = 0x1;
const END_HEADERS = 0x4;
// HPACK (RFC 7541), no Huffman: a literal field without indexing, new name or indexed name.
const str = (s) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
const literal = (name, value) => Buffer.concat([Buffer.from([0]), str(name), str(value)]);
const literalIndexedName = (index, value) => Buffer.concat([Buffer.from([index]), str(value)]);
// :method GET (static 2), :scheme http (static 6), :path (name 4), :authority (name 1).
const requestBlock = (path, extra = []) =>
  Buffer.concat([Buffer.from([0x82, 0x86]), literalIndexedName(4, path),
    literalIndexedName(1, '127.0.0.1'), ...extra.map(([n, v]) => literal(n, v))]);

// Reads frames off a raw connection; `on(frame)` for each, `done()` at the close.
const rawConnection = (onFrame, onClose) => {
  const sock = net.connect(Number(port), '127.0.0.1');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      onFrame({ type: buf[3], flags: buf[4], stream: buf.readUInt32BE(5) & 0x7fffffff,
        payload: buf.subarray(9, 9 + len) });
      buf = buf.subarray(9 + len);
    }
  });
  sock.on('error', () => {});
  sock.on('close', onClose);
  return sock;
};

const rawFrame = (kind) => {
  const result = { goaway: null, rst: {}, status: {}, closed: false };
  const sock = rawConnection((f) => {
    if (f.type === T.GOAWAY) result.goaway = f.payload.readUInt32BE(4);
    if (f.type === T.RST_STREAM) result.rst[f.stream] = f.payload.readUInt32BE(0);
    // The status as nghttp2 encodes it: an indexed static entry (0x88: 200, 0x8d: 404 ...).
    if (f.type === T.HEADERS) result.status[f.stream] = f.payload[0];
    if (kind !== 'uppercase' && kind !== 'connection') return;
    if (f.type === T.DATA && f.stream === 3 && (f.flags & END_STREAM)) sock.end();
  }, () => { result.closed = true; print(result); });
  const out = [PREFACE, frame(T.SETTINGS, 0, 0, Buffer.alloc(0))];
  if (kind === 'data-on-stream-0') {
    out.push(frame(T.DATA, 0, 0, Buffer.from('x')));
  } else if (kind === 'oversized') {
    out.push(frame(T.HEADERS, END_HEADERS, 1, requestBlock('/healthz')));
    out.push(frame(T.DATA, 0, 1, Buffer.alloc(20000, 0x61)));
  } else {
    const bad = kind === 'uppercase' ? ['X-Upper', 'a'] : ['connection', 'keep-alive'];
    out.push(frame(T.HEADERS, END_HEADERS | END_STREAM, 1, requestBlock('/healthz', [bad])));
    out.push(frame(T.HEADERS, END_HEADERS | END_STREAM, 3, requestBlock('/healthz')));
  }
  sock.write(Buffer.concat(out));
  setTimeout(() => sock.destroy(), 10000).unref();  // bounded: the close is reported either way
};

const manyStreams = (path, count, afterAck) => {
  const streams = new Map();  // id -> { status?, rst?, ended }
  let ready = false;
  const check = (sock) => {
    const all = [...streams.values()];
    if (!ready && all.every((s) => s.status !== undefined || s.rst !== undefined)) {
      ready = true;
      console.log('ready');
    }
    if (ready && all.every((s) => s.rst !== undefined || s.ended)) sock.end();
  };
  let goaway = null;
  const requests = [];
  for (let i = 0; i < count; ++i) {
    const id = 1 + 2 * i;
    streams.set(id, { ended: false });
    requests.push(frame(T.HEADERS, END_HEADERS | END_STREAM, id, requestBlock(path)));
  }
  const sock = rawConnection((f) => {
    if (f.type === T.GOAWAY) goaway = f.payload.readUInt32BE(4);
    if (afterAck && f.type === T.SETTINGS && !(f.flags & 0x1)) {
      // The server's SETTINGS, acknowledged; then every request at once.
      sock.write(Buffer.concat([frame(T.SETTINGS, 0x1, 0, Buffer.alloc(0)), ...requests]));
      return;
    }
    const s = streams.get(f.stream);
    if (!s) return;
    if (f.type === T.RST_STREAM) s.rst = f.payload.readUInt32BE(0);
    if (f.type === T.HEADERS) s.status = f.payload[0] === 0x88 ? 200 : `0x${f.payload[0].toString(16)}`;
    if ((f.type === T.DATA || f.type === T.HEADERS) && (f.flags & END_STREAM)) s.ended = true;
    check(sock);
  }, () => {
    const all = [...streams.values()];
    print({
      goaway,
      answered: all.filter((s) => s.status === 200).length,
      ended: all.filter((s) => s.status === 200 && s.ended).length,
      refused: all.filter((s) => s.rst === 7).length,  // REFUSED_STREAM
      other: all.filter((s) => s.status !== 200 && s.rst !== 7).length,
    });
  });
  // Every request in the first write, before the server's SETTINGS could be acknowledged: a
  // server must then refuse what is over its limit stream by stream (RFC 9113 5.1.2).
  const out = [PREFACE, frame(T.SETTINGS, 0, 0, Buffer.alloc(0))];
  sock.write(Buffer.concat(afterAck ? out : [...out, ...requests]));
  setTimeout(() => sock.destroy(), 30000).unref();
};

// --- node:http2 ------------------------------------------------------------------------------
const rapidReset = (count) => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const started = Date.now();
  let sent = 0;
  let goaway = null;
  session.on('goaway', (code) => { goaway = code; });
  session.on('error', () => {});
  session.on('close', () => print({ goaway, sent, ms: Date.now() - started }));
  const burst = () => {
    // In slices, so that the session writes and reads between them.
    for (let i = 0; i < 100 && sent < count && !session.closed && !session.destroyed; ++i) {
      try {
        const req = session.request({ ':path': '/healthz' });
        req.on('error', () => {});
        req.close(http2.constants.NGHTTP2_CANCEL);
        ++sent;
      } catch {
        return;  // the session is going away
      }
    }
    if (sent < count && !session.closed && !session.destroyed) setImmediate(burst);
    else if (!session.closed) session.close();
  };
  session.on('connect', burst);
  setTimeout(() => session.destroy(), 20000).unref();
};

const heldStreams = (path, count) => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  setTimeout(() => session.destroy(), 30000).unref();
  session.once('remoteSettings', (settings) => {
    const statuses = [];
    let answered = 0;
    let closed = 0;
    for (let i = 0; i < count; ++i) {
      const req = session.request({ ':path': path });
      req.on('response', (h) => {
        statuses[i] = h[':status'];
        // Once the announced number are open, a moment for any past it to (wrongly) come.
        if (++answered === settings.maxConcurrentStreams) {
          setTimeout(() => print({ limit: settings.maxConcurrentStreams, open_answered: answered }),
            500);
        }
      });
      req.on('error', () => {});
      req.resume();
      req.on('close', () => {
        if (req.rstCode) statuses[i] = `rst:${req.rstCode}`;
        if (++closed === count) {
          print({ statuses });
          session.close();
        }
      });
    }
  });
};

if (mode === 'rapid-reset') rapidReset(Number(args[0]));
else if (mode === 'held-streams') heldStreams(args[0], Number(args[1]));
else if (mode === 'many-streams') manyStreams(args[0], Number(args[1]), args[2] === 'after-ack');
else if (mode === 'raw-frame') rawFrame(args[0]);
else { console.error(`unknown mode ${mode}`); process.exit(2); }
