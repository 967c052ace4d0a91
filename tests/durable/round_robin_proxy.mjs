// An HTTP proxy on 127.0.0.1 in front of several gateway nodes, as a load balancer without
// affinity would be: every request goes to the next node in turn (requests on one client
// connection too), so consecutive requests of one client, a long-poll and the append it waits
// for, an SSE reconnect, land on different nodes.
//
// Bodies stream both ways as they come (no buffering), so SSE and long-poll answers reach the
// client event by event. The proxy can also behave like a bad network, on demand:
//   cut()              destroys every connection open through it, on both sides, as a network
//                      cut does (an SSE or long-poll answer ends without its last chunk);
//   loseAnswer(req)    when it returns true the request reaches the node and is answered in
//                      full, then the answer is dropped and the client's connection reset.
// `served[i]` counts the requests sent to `targets[i]`; `lost` the answers dropped; `interrupted`
// the requests a cut() caught in flight (waiting for an answer, or streaming one);
// `onRequest(req, i)`, when set, sees each request and the index of the node it goes to.
//
// Bounded: at most `maxOpen` requests in flight (503 past it), an idle socket closes after
// `idleMs`, targets must be loopback.

import http from 'node:http';

export function roundRobinProxy(targets, { maxOpen = 512, idleMs = 120_000 } = {}) {
  for (const t of targets) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(t)) {
      throw new Error(`round_robin_proxy: a target is http://127.0.0.1:PORT, not ${t}`);
    }
  }
  const clientSockets = new Set();
  const upstreamSockets = new Set();
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: maxOpen }));
  let next = 0;
  let open = 0;
  const proxy = {
    targets,
    served: targets.map(() => 0),
    lost: 0,
    cuts: 0,
    interrupted: 0,
    loseAnswer: () => false,
    onRequest: null,
    cut() {
      proxy.cuts += 1;
      proxy.interrupted += open;
      for (const s of [...clientSockets, ...upstreamSockets]) {
        s.destroy();
      }
    },
  };

  proxy.server = http.createServer((req, res) => {
    if (open >= maxOpen) {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('proxy full');
      return;
    }
    open += 1;
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        open -= 1;
      }
    };
    res.on('close', settle);
    const i = next;
    next = (next + 1) % targets.length;
    proxy.served[i] += 1;
    proxy.onRequest?.(req, i);
    const lose = proxy.loseAnswer(req);
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers['keep-alive'];
    const up = http.request(`${targets[i]}${req.url}`,
      { method: req.method, headers, agent: agents[i] }, (answer) => {
        if (lose) {
          // The node has acted and answers; the client never learns it.
          answer.resume();
          answer.on('end', () => {
            proxy.lost += 1;
            req.socket.destroy();
          });
          return;
        }
        const out = { ...answer.headers };
        delete out.connection;
        delete out['keep-alive'];
        res.writeHead(answer.statusCode, answer.statusMessage, out);
        res.flushHeaders();  // an SSE head is news before its first event
        answer.pipe(res);
        answer.on('error', () => res.destroy());
        answer.on('aborted', () => res.destroy());
      });
    up.on('socket', (s) => {
      if (!upstreamSockets.has(s)) {  // a kept-alive socket comes back: one listener is enough
        s.setNoDelay(true);
        upstreamSockets.add(s);
        s.once('close', () => upstreamSockets.delete(s));
      }
    });
    up.on('error', () => {
      if (!res.headersSent && !req.socket.destroyed) {
        res.writeHead(502, { 'Content-Type': 'text/plain' }).end('upstream failed');
      } else {
        res.destroy();
      }
    });
    // The client went away (or was cut) before the answer ended: so does the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) {
        up.destroy();
      }
    });
    req.pipe(up);
  });
  proxy.server.keepAliveTimeout = idleMs;
  proxy.server.headersTimeout = idleMs + 1000;
  proxy.server.requestTimeout = 0;  // SSE answers are long; the idle timeout below bounds them
  proxy.server.on('connection', (s) => {
    s.setNoDelay(true);
    s.setTimeout(idleMs, () => s.destroy());
    clientSockets.add(s);
    s.once('close', () => clientSockets.delete(s));
  });

  /// Listens on 127.0.0.1:0; resolves the proxy's base URL.
  proxy.listen = () => new Promise((resolve, reject) => {
    proxy.server.once('error', reject);
    proxy.server.listen(0, '127.0.0.1', () => {
      proxy.url = `http://127.0.0.1:${proxy.server.address().port}`;
      resolve(proxy.url);
    });
  });
  proxy.close = () => new Promise((resolve) => {
    for (const s of [...clientSockets, ...upstreamSockets]) {
      s.destroy();
    }
    for (const a of agents) {
      a.destroy();
    }
    proxy.server.close(() => resolve());
  });
  return proxy;
}
