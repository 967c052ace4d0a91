// The programs the Durable Streams tests run against, as real processes on 127.0.0.1: a
// redis-server of the test's own (never the system's) and gateway nodes. Every wait is bounded;
// every child is SIGKILLed when the test process goes, however it goes.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export const step_ms = 15_000;  // any one wait: a process start, a request, a stop

const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    child.kill('SIGKILL');
  }
});

/// Rejects with "timed out: WHAT" when `promise` has not settled within `ms`.
export function within(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// `--name value` pairs into an object; `required` names must be present.
export function parseArgs(argv, defaults, required) {
  const args = { ...defaults };
  for (let i = 2; i < argv.length; i += 2) {
    args[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  for (const name of required) {
    if (!args[name]) {
      throw new Error(`missing --${name}`);
    }
  }
  return args;
}

/// A free TCP port on 127.0.0.1 (bound, then released).
export async function freePort() {
  const s = net.createServer();
  await new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', resolve);
  });
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function track(child) {
  children.add(child);
  const state = { exited: null };
  child.on('exit', (code, signal) => {
    state.exited = { code, signal };
    children.delete(child);
  });
  child.on('error', (e) => {  // could not start (no such file): as good as exited
    state.exited = { error: e.message };
    children.delete(child);
  });
  return state;
}

async function stopChild(child, state, what) {
  if (state.exited) {
    return;
  }
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await within(done, step_ms, `${what} exit`).catch(() => child.kill('SIGKILL'));
}

/// One PING over a fresh connection: true on +PONG (bounded).
function ping(port, ms = 500) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); resolve(false); }, ms);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      clearTimeout(t);
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.on('error', () => { clearTimeout(t); resolve(false); });
  });
}

/// A redis-server on a free port, no persistence, its files under `dir`; ready when this resolves.
/// A port taken between the probe and the bind (another test) is retried on a new port.
export async function startRedis(dir) {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort();
    const logPath = path.join(dir, 'redis.log');
    const log = fs.openSync(logPath, 'w');
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
    { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const state = track(child);
    const until = Date.now() + step_ms;
    while (Date.now() < until && !state.exited) {
      if (await ping(port)) {
        return { url: `redis://127.0.0.1:${port}`, port,
          stop: () => stopChild(child, state, 'redis-server') };
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    if (!state.exited || attempt === 3) {
      throw new Error(`redis-server did not answer PING within ${step_ms} ms:\n` +
        fs.readFileSync(logPath, 'utf8'));
    }
  }
  throw new Error('unreachable');
}

/// Starts the gateway binary on 127.0.0.1:0 with `args` (a store among them) and waits, bounded,
/// for its port file; its output goes to DIR/NAME.log.
export async function startGateway(bin, dir, name, args) {
  const portFile = path.join(dir, `${name}.port`);
  fs.rmSync(portFile, { force: true });
  const logPath = path.join(dir, `${name}.log`);
  const log = fs.openSync(logPath, 'w');
  const child = spawn(path.resolve(bin), ['--listen', '127.0.0.1:0', '--port-file', portFile,
    '--auth', 'none', '--node-id', name, ...args], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const state = track(child);
  const until = Date.now() + step_ms;
  while (Date.now() < until) {
    if (state.exited) {
      throw new Error(`gateway ${name} exited at start (${JSON.stringify(state.exited)}):\n` +
        fs.readFileSync(logPath, 'utf8'));
    }
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) {
      return {
        name,
        url: `http://127.0.0.1:${text}`,
        log: logPath,
        exited: () => state.exited,
        stop: () => stopChild(child, state, `gateway ${name}`),
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`gateway ${name} wrote no port file within ${step_ms} ms`);
}

/// GET `url` straight from Node (no proxy); resolves {status, body}.
export function get(url) {
  return within(new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  }), step_ms, `GET ${url}`);
}

/// The node's `sse_gateway_http_requests_total` from its own /metrics (this request included).
export async function requestsServed(gateway) {
  const { status, body } = await get(`${gateway.url}/metrics`);
  const m = /^sse_gateway_http_requests_total (\d+)/m.exec(body);
  if (status !== 200 || !m) {
    throw new Error(`${gateway.name}: no sse_gateway_http_requests_total in /metrics (${status})`);
  }
  return Number(m[1]);
}

/// Starts what a run needs: a redis-server when `store` is `redis`, then `nodes` gateways on that
/// store with `gatewayArgs`. `stop()` ends them all (gateways first).
export async function startTopology({ bin, dir, store, nodes, gatewayArgs }) {
  if (store !== 'memory' && store !== 'redis') {
    throw new Error(`--store is memory or redis, not ${store}`);
  }
  if (nodes > 1 && store !== 'redis') {
    throw new Error('several nodes share one store only on redis');
  }
  const redis = store === 'redis' ? await startRedis(dir) : null;
  const gateways = [];
  const stop = async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis?.stop();
  };
  try {
    for (let i = 1; i <= nodes; i += 1) {
      gateways.push(await startGateway(bin, dir, `node${i}`,
        ['--store', redis ? redis.url : 'memory', ...gatewayArgs]));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { redis, gateways, stop };
}
