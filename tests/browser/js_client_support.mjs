// What the browser client tests (js_client_browser_test.mjs) add to harness.mjs: the page's own
// server (the page, the client module from clients/js, a token endpoint), an HTTP proxy between
// the page and the gateway that can cut connections and lose answers, and a redis-server of the
// test's own (never the system's).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import { listen, step_ms, within } from './harness.mjs';

/// The page's origin: `/` a blank page, `/client/<file>` from `clientDir`, and `routes[path]`
/// (async (req, res) handlers) for the rest, e.g. a token endpoint.
export function pageServer(clientDir, routes = {}) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://page');
    if (routes[url.pathname]) {
      routes[url.pathname](req, res, url);
      return;
    }
    if (url.pathname.startsWith('/client/')) {
      const file = path.join(clientDir, path.basename(url.pathname));
      if (!fs.existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' });
      res.end(fs.readFileSync(file));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('<!doctype html><meta charset="utf-8"><title>js client test page</title><p>page</p>');
  });
}

/// An HTTP proxy in front of `target` (http://127.0.0.1:PORT), as a real network path with a
/// flaky hop would be:
///   cut()                 destroys every connection open through it (both sides), as a network
///                         cut does: open SSE responses end without their final chunk;
///   rewindResume = k      on subscribes, moves `?last_event_id=E:S` back to E:max(S-k,0), so the
///                         gateway replays k events the page already had (a stale resume point);
///   loseAnswer(req)       when it returns true, the request reaches the gateway and is answered,
///                         but the answer is dropped and the page's connection reset.
/// `requests` lists what passed: {method, url, at, status}.
export function cuttingProxy(target) {
  const sockets = new Set();
  const upstreamSockets = new Set();
  const requests = [];
  const proxy = {
    rewindResume: 0,
    loseAnswer: () => false,
    requests,
    cuts: 0,
    cut() {
      proxy.cuts += 1;
      for (const s of [...sockets, ...upstreamSockets]) {
        s.destroy();
      }
    },
  };
  const agent = new http.Agent({ keepAlive: false });
  proxy.server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://proxy');
    const resume = url.searchParams.get('last_event_id');
    if (proxy.rewindResume > 0 && resume) {
      const m = /^([a-z0-9]*):(\d+)$/.exec(resume);
      if (m) {
        url.searchParams.set('last_event_id', `${m[1]}:${Math.max(Number(m[2]) - proxy.rewindResume, 0)}`);
      }
    }
    const entry = { method: req.method, url: req.url, forwarded: url.pathname + url.search, at: Date.now() };
    requests.push(entry);
    const lose = proxy.loseAnswer(req);
    const headers = { ...req.headers };
    delete headers.connection;
    const up = http.request(`${target}${url.pathname}${url.search}`,
      { method: req.method, headers, agent }, (answer) => {
        entry.status = answer.statusCode;
        if (lose) {
          // Let the gateway finish its answer, then lose it: the page sees a network error.
          answer.resume();
          answer.on('end', () => { entry.lost = true; req.socket.destroy(); });
          return;
        }
        res.writeHead(answer.statusCode, answer.headers);
        answer.on('data', (c) => res.write(c));
        answer.on('end', () => res.end());
        answer.on('error', () => res.destroy());
      });
    up.on('socket', (s) => {
      upstreamSockets.add(s);
      s.on('close', () => upstreamSockets.delete(s));
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  proxy.server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return proxy;
}

/// A free TCP port on 127.0.0.1 (bound, then released).
export async function freePort() {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/// One PING over a fresh connection; resolves true on +PONG, false otherwise (bounded).
function ping(port, ms = 500) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); resolve(false); }, ms);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { clearTimeout(t); s.destroy(); resolve(d.toString().startsWith('+PONG')); });
    s.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

/// A redis-server of this test's own on a free port (no persistence, its files under `dir`),
/// ready when this resolves. `stop()` and `cont()` send SIGSTOP and SIGCONT; `kill()` ends it.
export async function startRedis(dir) {
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'redis.log'), 'w');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const until = Date.now() + step_ms;
  while (Date.now() < until && !exited) {
    if (await ping(port)) {
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: () => child.kill('SIGSTOP'),
        cont: () => child.kill('SIGCONT'),
        kill: async () => {
          if (exited) {
            return;
          }
          child.kill('SIGCONT');
          const done = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await within(done, step_ms, 'redis-server exit').catch(() => {});
        },
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer PING within ${step_ms} ms (${JSON.stringify(exited)}):\n` +
    fs.readFileSync(path.join(dir, 'redis.log'), 'utf8'));
}
