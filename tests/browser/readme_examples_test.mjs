// readme_examples: the README's examples run as written, so that it cannot drift from the program.
//
// Every fenced `sh`, `js` or `json` block of README.md carries a marker on the line before it:
//   <!-- readme-test: shell -->          run with bash against a started gateway; each `# ⇒ line`
//                                        after a command is a line its output must contain (in
//                                        order; `k3x9a0qz` stands for any epoch), and each
//                                        `# ⇏ line` one it must not contain
//   <!-- readme-test: browser -->        run in a page of the gateway's origin in Chromium, with
//                                        `id`, `append`, `warn` and `done` given to it
//   <!-- readme-test: chat-tabs -->      the checkpoint example: run in two Chromium tabs of the
//                                        gateway's origin, with `id`, `render` and `done` given
//   <!-- readme-test: relay-config -->   the relay routes file: the gateway starts with it
//   <!-- readme-test: relay-browser -->  run in Chromium against that gateway and a fake upstream
//   <!-- readme-test: auth-renew -->     run in Chromium by auth_renew_browser_test (a JWT gateway)
//   <!-- readme-test: not-run (why) -->  a command this test does not run, and why
// A block without a marker fails the test: a new example is either run here or says why not.
//
// Shell blocks run in order in one bash process (later blocks use what earlier ones created), with
// a `curl` on PATH that sends `localhost:8080` to the test's gateway and stops `curl -N` (a live
// read, which a reader ends with Ctrl-C) after 3 s.
//
// Usage: node readme_examples_test.mjs --gateway BIN --readme README.md [--chromium BIN]

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import {
  check, closeServer, failed, gatewayLog, launchChromium, listen, nodeRequest, parseArgs,
  readmeBlocks, run, startGateway, step_ms, stopGateway, within,
} from './harness.mjs';

const overall_ms = 150_000;
const example_epoch = 'k3x9a0qz';

/// A shell block as commands, each with the `# ⇒` lines that follow it.
function shellCommands(body) {
  const commands = [];
  let pending = '';
  for (const line of body.split('\n')) {
    const expect = /^# ⇒ (.*)$/.exec(line);
    const refuse = /^# ⇏ (.*)$/.exec(line);
    if (expect) {
      commands.at(-1).expect.push(expect[1]);
    } else if (refuse) {
      commands.at(-1).refuse.push(refuse[1]);
    } else if (pending !== '' || (line.trim() !== '' && !line.startsWith('#'))) {
      pending += `${line}\n`;
      if (!line.endsWith('\\')) {
        commands.push({ text: pending, expect: [], refuse: [] });
        pending = '';
      }
    }
  }
  return commands;
}

function lineMatcher(expected) {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replaceAll(example_epoch, '[a-z0-9]{6,12}')}$`);
}

/// Whether `output` contains lines matching `expected`, in order.
function containsInOrder(output, expected) {
  const lines = output.split('\n').map((l) => l.replace(/\r$/, ''));
  let at = 0;
  for (const e of expected) {
    const m = lineMatcher(e);
    while (at < lines.length && !m.test(lines[at])) {
      at += 1;
    }
    if (at === lines.length) {
      return false;
    }
    at += 1;
  }
  return true;
}

/// A `curl` that reaches the test's gateway where the README says localhost:8080.
function curlShim(dir, port) {
  const found = spawnSync('bash', ['-c', 'command -v curl']);
  if (found.status !== 0) {
    throw new Error('curl is not installed (scripts/bootstrap.sh installs it): the README\'s ' +
      'examples need it');
  }
  const real = found.stdout.toString().trim();
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'curl'), `#!/usr/bin/env bash
args=()
live=0
for a in "$@"; do
  [[ $a == -N ]] && live=1
  args+=("\${a//localhost:8080/127.0.0.1:${port}}")
done
if (( live )); then
  ${real} --max-time 3 "\${args[@]}"; rc=$?
  (( rc == 28 )) && rc=0  # the time limit stands for the reader's Ctrl-C
  exit $rc
fi
exec ${real} --max-time 10 "\${args[@]}"
`, { mode: 0o755 });
  return bin;
}

/// Runs the shell blocks' commands in one bash, each command's output to its own file.
function runShellBlocks(blocks, dir, port) {
  const commands = blocks.flatMap((b) => shellCommands(b.body).map((c) => ({ ...c, block: b })));
  const script = commands.map((c, n) =>
    `{\n${c.text}} >"${dir}/${n}.out" 2>"${dir}/${n}.err"; echo $? >"${dir}/${n}.rc"\n`).join('');
  const bin = curlShim(dir, port);
  const result = spawnSync('bash', ['-c', script], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000,
  });
  check(result.status === 0 && result.error === undefined, 'the shell examples ran to the end',
    { status: result.status, error: String(result.error ?? '') });
  commands.forEach((c, n) => {
    const read = (ext) => (fs.existsSync(`${dir}/${n}.${ext}`) ?
      fs.readFileSync(`${dir}/${n}.${ext}`, 'utf8') : '');
    const what = `README line ${c.block.line}+: ${c.text.split('\n')[0]}`;
    // Standard error apart: curl's progress meter, which a terminal does not show, goes there.
    check(read('rc').trim() === '0', `${what} exits 0`, read('out') + read('err'));
    if (c.expect.length > 0) {
      check(containsInOrder(read('out'), c.expect), `${what} prints ${JSON.stringify(c.expect)}`,
        read('out'));
    }
    for (const r of c.refuse) {
      check(!containsInOrder(read('out'), [r]), `${what} does not print ${JSON.stringify(r)}`,
        read('out'));
    }
  });
}

/// A page of the gateway's origin (its /healthz) in `context`, with the uncaught errors it raises.
async function originPage(context, gw) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.setDefaultTimeout(step_ms);
  await page.goto(`${gw.url}/healthz`);
  return { page, errors };
}

/// Polls the page's `window.seen` until `predicate` holds, for at most `ms`. A wait that runs out
/// is not a failure by itself (the caller's checks say what was missing): it answers what was seen.
function waitSeen(page, what, predicate, ms = step_ms) {
  return within((async () => {
    for (;;) {
      const seen = await page.evaluate(() => window.seen);
      if (predicate(seen)) {
        return seen;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })(), ms, what).catch((e) => {
    console.log(`wait: ${e}`);
    return page.evaluate(() => window.seen);
  });
}

/// The browser block in a page of the gateway's origin: a stream whose first two events were
/// trimmed (a gap), two buffered, one live, then the end.
async function runBrowserBlock(context, gw, code) {
  const id = 'readme-browser';
  const json = { 'Content-Type': 'application/json' };
  await nodeRequest(`${gw.url}/v1/streams/${id}`, 'PUT', '{"buffer_limit":2}', json);
  for (const data of ['a', 'b', 'c', 'd']) {
    await nodeRequest(`${gw.url}/v1/streams/${id}/events`, 'POST',
      JSON.stringify({ data, event: 'token' }), json);
  }
  const { page, errors } = await originPage(context, gw);
  await page.evaluate(({ id: streamId, code: snippet }) => {
    window.seen = { appended: [], warned: [], done: [] };
    const fn = new Function('id', 'append', 'warn', 'done', snippet);
    fn(streamId, (t) => window.seen.appended.push(t), (w) => window.seen.warned.push(w),
      (s) => window.seen.done.push(s));
  }, { id, code });
  const until = (what, predicate) => waitSeen(page, what, predicate);
  await until('the buffered events', (s) => s.appended.length >= 2);
  await nodeRequest(`${gw.url}/v1/streams/${id}/events`, 'POST', '{"data":"e","event":"token"}',
    json);
  await nodeRequest(`${gw.url}/v1/streams/${id}/end`, 'POST', '{"status":"completed"}', json);
  const seen = await until('the end', (s) => s.done.length > 0);
  check(JSON.stringify(seen.appended) === '["c","d","e"]',
    'the browser example appends the buffered events, then the live one, as sent', seen.appended);
  check(JSON.stringify(seen.warned) === '["missed events 1-2 (trimmed)"]',
    'the browser example reports the trimmed events from the gap event', seen.warned);
  check(JSON.stringify(seen.done) === '["completed"]', 'the browser example sees the end', seen);
  check(errors.length === 0, 'the browser example raised no error in the page', errors);
  await page.close();
}

/// The checkpoint example: a chat answer of 30 tokens with a snapshot (a checkpoint holding the
/// text so far) after tokens 10 and 20. Tab 1 opens before the first token and must draw all 32
/// events; tab 2 opens after token 20 and must draw one snapshot and the 10 tokens after it. Both
/// must end with the whole answer.
async function runChatTabsBlock(context, gw, code) {
  const id = 'readme-chat';
  const ndjson = { 'Content-Type': 'application/x-ndjson' };
  const tokens = Array.from({ length: 30 }, (_, i) => `w${i + 1} `);
  const answer = tokens.join('');
  const appendTokens = async (from, to) => {
    let lines = '';
    for (let i = from; i < to; i += 1) {
      lines += `${JSON.stringify({ data: tokens[i], event: 'token' })}\n`;
      if ((i + 1) % 10 === 0 && i + 1 < tokens.length) {
        lines += `${JSON.stringify({ data: tokens.slice(0, i + 1).join(''), event: 'snapshot',
          checkpoint: true })}\n`;
      }
    }
    const r = await nodeRequest(`${gw.url}/v1/streams/${id}/events`, 'POST', lines, ndjson);
    check(r.status === 200, `the chat example's append of tokens ${from + 1}-${to} is stored`, r);
  };
  const openTab = async () => {
    const { page, errors } = await originPage(context, gw);
    await page.evaluate(({ id: streamId, code: snippet }) => {
      window.seen = { renders: 0, text: '', done: [] };
      const fn = new Function('id', 'render', 'done', snippet);
      fn(streamId, (t) => { window.seen.renders += 1; window.seen.text = t; },
        (t) => window.seen.done.push(t));
    }, { id, code });
    return { page, errors };
  };
  // Three steps: the first tab is a background tab once the second opens.
  const until = (tab, what, predicate) => waitSeen(tab.page, what, predicate, 3 * step_ms);

  // The stream exists before a page reads it, as when the producer created it for the answer (a
  // subscribe to an unknown stream is a 404, after which EventSource gives up).
  const created = await nodeRequest(`${gw.url}/v1/streams/${id}`, 'PUT', '{}',
    { 'Content-Type': 'application/json' });
  check(created.status === 201 || created.status === 200, 'the chat example stream is created',
    created);
  const first = await openTab();
  await appendTokens(0, 1);
  await until(first, 'the first tab draws the first token', (s) => s.renders >= 1);
  await appendTokens(1, 20);
  await until(first, 'the first tab draws 20 tokens and 2 snapshots', (s) => s.renders >= 22);
  const second = await openTab();
  await until(second, 'the second tab draws the answer so far', (s) => s.renders >= 1);
  await appendTokens(20, 30);
  const r = await nodeRequest(`${gw.url}/v1/streams/${id}/end`, 'POST', '{"status":"completed"}',
    { 'Content-Type': 'application/json' });
  check(r.status === 200, 'the chat example stream ends', r);
  for (const [name, tab, renders] of [['first', first, 32], ['second', second, 11]]) {
    const seen = await until(tab, `the ${name} tab sees the end`, (s) => s.done.length > 0);
    check(JSON.stringify(seen.done) === JSON.stringify([answer]),
      `the chat example's ${name} tab ends with the whole answer`, seen);
    check(seen.renders === renders,
      `the chat example's ${name} tab drew the text ${renders} times`, seen.renders);
    check(tab.errors.length === 0, `the chat example's ${name} tab raised no error`, tab.errors);
    await tab.page.close();
  }
}

/// An OpenAI-style chat completions upstream: three content deltas, then [DONE].
function fakeChatUpstream() {
  const calls = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      calls.push({ authorization: req.headers.authorization, body });
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      for (const t of ['Hel', 'lo ', 'world']) {
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
  });
  return { server, calls };
}

/// The relay example: the README's routes file (its URL pointed at a fake upstream) and its
/// `ask` function in a page of the gateway's origin.
async function runRelayBlocks(context, args, work, configBlock, browserBlock) {
  const upstream = fakeChatUpstream();
  let gw;
  try {
    const port = await listen(upstream.server);
    const config = JSON.parse(configBlock.body);
    for (const route of config.routes) {
      route.url = `http://127.0.0.1:${port}/v1/chat/completions`;
    }
    const routes = path.join(work, 'routes.json');
    fs.writeFileSync(routes, JSON.stringify(config));
    gw = await startGateway(args.gateway, work, 'relay', ['--relay-config', routes],
      { ...process.env, OPENAI_API_KEY: 'sk-readme-test' });
    const page = await context.newPage();
    page.setDefaultTimeout(step_ms);
    await page.goto(`${gw.url}/healthz`);
    const seen = await within(page.evaluate(async (snippet) => {
      const ask = new Function(`${snippet}\nreturn ask;`)();
      const tokens = [];
      await ask([{ role: 'user', content: 'hi' }], (t) => tokens.push(t));
      for (let i = 0; i < 100 && sessionStorage.turnKey !== undefined; i += 1) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return { tokens, turnKey: sessionStorage.turnKey ?? null };
    }, browserBlock.body), 2 * step_ms, 'the relay example');
    check(seen.tokens.join('') === 'Hello world',
      'the relay example streams the upstream answer to the page', seen);
    check(seen.turnKey === null, 'the relay example reaches the end and forgets its turn key',
      seen);
    check(upstream.calls.length === 1 &&
      upstream.calls[0].authorization === 'Bearer sk-readme-test' &&
      JSON.parse(upstream.calls[0].body).stream === true,
    'the upstream was called once, with the key from the environment and stream: true',
    upstream.calls);
  } finally {
    if (failed() && gw) {
      console.log(`relay gateway log:\n${gatewayLog(gw)}`);
    }
    await stopGateway(gw);
    await closeServer(upstream.server);
  }
}

async function main() {
  const args = parseArgs(process.argv, {}, ['gateway', 'readme']);
  const blocks = readmeBlocks(fs.readFileSync(args.readme, 'utf8'))
    .filter((b) => ['sh', 'js', 'json'].includes(b.lang));
  for (const b of blocks) {
    check(b.marker !== null, `README line ${b.line}: the ${b.lang} block says how it is tested`);
  }
  const of = (kind) => blocks.filter((b) => b.marker === kind);
  check(of('shell').length >= 2 && of('browser').length === 1 && of('chat-tabs').length === 1 &&
    of('relay-config').length === 1 &&
    of('relay-browser').length === 1 && of('auth-renew').length === 1,
  'the README has the examples this test and auth_renew_browser_test run',
  blocks.map((b) => b.marker));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-examples-'));
  let gw;
  let context;
  try {
    gw = await startGateway(args.gateway, work, 'gateway', []);
    const shellDir = path.join(work, 'shell');
    fs.mkdirSync(shellDir);
    runShellBlocks(of('shell'), shellDir, gw.port);
    context = await launchChromium(args.chromium, work);
    for (const b of of('browser')) {
      await runBrowserBlock(context, gw, b.body);
    }
    await runChatTabsBlock(context, gw, of('chat-tabs')[0].body);
    await runRelayBlocks(context, args, work, of('relay-config')[0], of('relay-browser')[0]);
    check(gw.exited() === null, 'the gateway kept running', gw.exited());
  } finally {
    if (failed() && gw) {
      console.log(`gateway log:\n${gatewayLog(gw)}`);
    }
    if (context) {
      await within(context.close(), step_ms, 'chromium close').catch((e) => console.log(`${e}`));
    }
    await stopGateway(gw);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

run('readme_examples', main, overall_ms);
