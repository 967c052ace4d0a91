// What the Chromium tests share: bounded waits, checks that count, the gateway as a real process
// on 127.0.0.1, and a headless Debian chromium that can reach nothing but 127.0.0.1.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export const step_ms = 10_000;  // any one wait: a page step, a process start, a server start

/// `--name value` pairs into an object; `required` names must be present.
export function parseArgs(argv, defaults, required) {
  const args = { chromium: '/usr/bin/chromium', ...defaults };
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

let failures = 0;
let checks = 0;
export function check(condition, message, detail) {
  checks += 1;
  if (condition) {
    console.log(`ok   ${message}`);
  } else {
    failures += 1;
    console.log(`FAIL ${message}${detail === undefined ? '' : `\n     saw: ${JSON.stringify(detail)}`}`);
  }
}
export const failed = () => failures > 0;

export function within(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

export function listen(server) {
  return within(new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  }), step_ms, 'listen on 127.0.0.1');
}

export function closeServer(server) {
  server.closeAllConnections?.();
  return within(new Promise((resolve) => server.close(() => resolve())), step_ms, 'close server')
    .catch(() => {});
}

// A TCP proxy to 127.0.0.1:`port` that passes the bytes through untouched (TLS too) and knows its
// connections: cut(which) destroys those `which(pair)` picks (all by default) and returns how
// many, as a network change would; open() counts them. `onRequest(pair, text)`, when given, sees
// each chunk from the client that starts an HTTP/1.1 request line.
export function tcpProxy(port, onRequest) {
  const pairs = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (d) => {
      const text = onRequest ? d.toString('latin1') : '';
      if (onRequest && /^[A-Z]+ \//.test(text)) {
        onRequest(pair, text);
      }
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  const cut = (which = () => true) => {
    const chosen = [...pairs].filter(which);
    for (const { client, upstream } of chosen) {
      client.destroy();
      upstream.destroy();
    }
    return chosen.length;
  };
  return { server, cut, open: () => pairs.size };
}

// Gateways still running: killed if the watchdog ends the test.
const children = new Set();

/// Starts the gateway on 127.0.0.1:0 (no telemetry, one thread; open access unless `extraArgs`
/// chooses with --auth) and waits, bounded, for its port file. Its output goes to DIR/NAME.log.
export async function startGateway(bin, dir, name, extraArgs, env = process.env) {
  const portFile = path.join(dir, `${name}.port`);
  const log = fs.openSync(path.join(dir, `${name}.log`), 'w');
  const access = extraArgs.includes('--auth') ? [] : ['--auth', 'none'];
  const child = spawn(bin, ['--listen', '127.0.0.1:0', '--port-file', portFile, ...access,
    '--telemetry', 'none', '--threads', '1', ...extraArgs], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  children.add(child);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; children.delete(child); });
  const until = Date.now() + step_ms;
  while (Date.now() < until) {
    if (exited) {
      throw new Error(`gateway ${name} exited at start (${JSON.stringify(exited)}):\n` +
        fs.readFileSync(path.join(dir, `${name}.log`), 'utf8'));
    }
    const text = fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) {
      return { child, url: `http://127.0.0.1:${text}`, port: Number(text), name, dir,
        exited: () => exited };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`gateway ${name} wrote no port file within ${step_ms} ms`);
}

export async function stopGateway(gw) {
  if (!gw || gw.exited()) {
    return;
  }
  const done = new Promise((resolve) => gw.child.once('exit', resolve));
  gw.child.kill('SIGTERM');
  await within(done, step_ms, `gateway ${gw.name} exit`).catch(() => gw.child.kill('SIGKILL'));
}

export function gatewayLog(gw) {
  return fs.readFileSync(path.join(gw.dir, `${gw.name}.log`), 'utf8');
}

/// A request from Node (not a browser: no CORS), to set up or look at the gateway's state.
export function nodeRequest(url, method = 'GET', body = undefined, headers = {}) {
  return within(new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  }), step_ms, `${method} ${url}`);
}

/// README.md's fenced code blocks: `lang`, `line`, `body`, and `marker`, the text of a
/// `<!-- readme-test: ... -->` comment on the line before the block (null without one).
export function readmeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) {
      continue;
    }
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') {
      end += 1;
    }
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') {
      before -= 1;
    }
    const marker = /^<!-- readme-test: (.*) -->$/.exec(lines[before] ?? '');
    blocks.push({ lang: open[1], line: i + 1, marker: marker ? marker[1] : null,
      body: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/// Headless Debian chromium in a fresh profile under DIR, with `extraArgs` on its command line.
/// No name resolves: every request goes to a 127.0.0.1 literal or fails.
export function launchChromium(executablePath, dir, extraArgs = []) {
  const userDataDir = fs.mkdtempSync(path.join(dir, 'chromium-'));
  return within(chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', ...extraArgs],
    // Chromium's first start on a loaded 2-core machine (ctest -j2 beside a build) has taken
    // over 10 s; a start is not what these tests measure, so it gets three steps.
    timeout: 3 * step_ms,
  }), 4 * step_ms, 'chromium start');
}

/// Runs `main` under a watchdog of `overall_ms`; exits 0 only when every check passed and at
/// least one ran.
export function run(name, main, overall_ms) {
  const watchdog = setTimeout(() => {
    console.log(`FAIL ${name} did not finish within ${overall_ms} ms`);
    for (const child of children) {
      child.kill('SIGKILL');
    }
    process.exit(1);
  }, overall_ms);
  main().then(() => {
    clearTimeout(watchdog);
    console.log(`${checks - failures}/${checks} checks passed`);
    process.exit(failures === 0 && checks > 0 ? 0 : 1);
  }).catch((e) => {
    clearTimeout(watchdog);
    console.log(`FAIL ${e.stack ?? e}`);
    for (const child of children) {
      child.kill('SIGKILL');
    }
    process.exit(1);
  });
}

/// An HS256 JWT of `claims` signed with `secret`, as an application's token endpoint would mint
/// it for a gateway started with that secret.
export function mintHs256(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const sig = crypto.createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${sig}`;
}

/// Now in whole seconds since the epoch, as JWT `exp` claims count.
export const nowS = () => Math.floor(Date.now() / 1000);
