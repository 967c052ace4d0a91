// Unit tests of the client's pure parts and of subscribe()/append() decisions over an injected
// fetch (no gateway, no browser; the Chromium tests in tests/browser do the real thing).
// Run: node --test clients/js/test/

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  append, backoffDelay, GatewayError, parseEventId, parseRetryAfter, sseParser, subscribe,
} from '../sse-gateway-client.js';

test('sseParser: fields, multi-line data, comments, CRLF, chunks split anywhere', () => {
  const text = 'retry: 1000\r\n\r\nid: k3x9a0qz:1\r\nevent: token\r\ndata: hello\r\n\r\n' +
    ': heartbeat\n\nid: k3x9a0qz:2\ndata: line one\ndata: line two\n\n' +
    'id: k3x9a0qz:3\ndata:\n\nevent: ignored-without-data\n\n';
  for (const size of [1, 2, 3, 7, text.length]) {
    const frames = [];
    const retries = [];
    const feed = sseParser((f) => frames.push(f), (ms) => retries.push(ms));
    for (let i = 0; i < text.length; i += size) {
      feed(text.slice(i, i + size));
    }
    assert.deepEqual(retries, [1000], `chunk size ${size}`);
    assert.deepEqual(frames, [
      { type: 'token', data: 'hello', id: 'k3x9a0qz:1' },
      { type: 'message', data: 'line one\nline two', id: 'k3x9a0qz:2' },
      { type: 'message', data: '', id: 'k3x9a0qz:3' },
    ], `chunk size ${size}`);
  }
});

test('parseEventId, parseRetryAfter, backoffDelay', () => {
  assert.deepEqual(parseEventId('k3x9a0qz:12'), { epoch: 'k3x9a0qz', seq: 12 });
  assert.deepEqual(parseEventId('7'), { epoch: '', seq: 7 });
  assert.equal(parseEventId('nope'), null);
  assert.equal(parseRetryAfter('5'), 5000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
  const b = { initialDelayMs: 1000, maxDelayMs: 8000, maxAttempts: Infinity };
  assert.equal(backoffDelay(0, b, () => 0), 500);
  assert.equal(backoffDelay(0, b, () => 1), 1000);
  assert.equal(backoffDelay(2, b, () => 1), 4000);
  assert.equal(backoffDelay(10, b, () => 1), 8000);
});

/// A fetch that answers from a list of (url, init) => Response | Error makers, in order.
function scriptedFetch(answers) {
  const calls = [];
  const fn = async (url, init) => {
    calls.push({ url: String(url), init });
    const make = answers[Math.min(calls.length - 1, answers.length - 1)];
    const r = make(url, init);
    if (r instanceof Error) {
      throw r;
    }
    return r;
  };
  return { fn, calls };
}
const sse = (text) => new Response(text, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
const status = (code, headers = {}, body = '{"error":"x","message":"m"}') =>
  new Response(code === 204 ? null : body, { status: code, headers });

test('subscribe (fetch): dedupes a replay, resumes with last_event_id, stops at end', async () => {
  const { fn, calls } = scriptedFetch([
    () => sse('id: ep:1\ndata: a\n\nid: ep:2\ndata: b\n\n'),  // finishes without end: a cut
    () => sse('id: ep:1\ndata: a\n\nid: ep:2\ndata: b\n\nid: ep:3\ndata: c\n\n' +
      'id: ep:4\nevent: end\ndata: {"status":"completed"}\n\n'),
  ]);
  const events = [];
  let ended;
  const sub = subscribe('http://gw/v1/streams/s/events', { transport: 'fetch', fetch: fn,
    backoff: { initialDelayMs: 1, maxDelayMs: 2 },
    onEvent: (e) => events.push(e.seq), onEnd: (e) => { ended = e; } });
  assert.equal(await sub.done, 'end');
  assert.deepEqual(events, [1, 2, 3]);
  assert.deepEqual(ended, { status: 'completed', id: 'ep:4' });
  assert.equal(new URL(calls[1].url).searchParams.get('last_event_id'), 'ep:2');
  assert.equal(sub.lastEventId, 'ep:4');
});

test('subscribe (fetch): 204 is the end; 404 is fatal; 401 gets one retry with a fresh token', async () => {
  let s = subscribe('http://gw/e', { transport: 'fetch', fetch: scriptedFetch([() => status(204)]).fn,
    lastEventId: 'ep:9' });
  assert.equal(await s.done, 'end');

  const errors = [];
  s = subscribe('http://gw/e', { transport: 'fetch', fetch: scriptedFetch([() => status(404)]).fn,
    onError: (e) => errors.push(e) });
  assert.equal(await s.done, 'fatal');
  assert.equal(errors[0].status, 404);
  assert.equal(errors[0].fatal, true);

  let tokens = 0;
  const f = scriptedFetch([() => status(401)]);
  s = subscribe('http://gw/e', { transport: 'fetch', fetch: f.fn, token: () => `t${++tokens}` });
  assert.equal(await s.done, 'fatal');
  assert.equal(tokens, 2);
  assert.deepEqual(f.calls.map((c) => c.init.headers.Authorization), ['Bearer t1', 'Bearer t2']);
});

test('subscribe (fetch): 503 waits Retry-After; maxAttempts bounds the failures', async () => {
  const errors = [];
  const s = subscribe('http://gw/e', { transport: 'fetch',
    fetch: scriptedFetch([() => status(503, { 'Retry-After': '0' }), () => new TypeError('net')]).fn,
    backoff: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 3 }, onError: (e) => errors.push(e) });
  assert.equal(await s.done, 'fatal');
  assert.deepEqual(errors.map((e) => [e.kind, e.status, e.fatal]),
    [['http', 503, false], ['network', undefined, false], ['network', undefined, true]]);
  assert.equal(errors[0].retryAfterMs, 0);
});

test('append: the same Producer-Seq on every retry; no blind retry without it', async () => {
  const f = scriptedFetch([
    () => new TypeError('connection reset'),
    () => status(503, { 'Retry-After': '0' }, '{"error":"outcome_unknown","message":"m"}'),
    () => new Response('{"epoch":"ep","first_seq":4,"last_seq":4,"trimmed":0}', { status: 200 }),
  ]);
  const retries = [];
  const r = await append('http://gw/v1/streams/s/events', { data: 'x' },
    { fetch: f.fn, producerSeq: 4, backoff: { initialDelayMs: 1 }, onRetry: (x) => retries.push(x) });
  assert.equal(r.first_seq, 4);
  assert.deepEqual(f.calls.map((c) => c.init.headers['Producer-Seq']), ['4', '4', '4']);
  assert.equal(retries.length, 2);

  const g = scriptedFetch([() => new TypeError('connection reset')]);
  await assert.rejects(append('http://gw/e', { data: 'x' }, { fetch: g.fn }), GatewayError);
  assert.equal(g.calls.length, 1);

  const h = scriptedFetch([() => status(409, {}, '{"error":"producer_seq_conflict","message":"m"}')]);
  await assert.rejects(append('http://gw/e', [{ data: 'x' }, { data: 'y' }], { fetch: h.fn, producerSeq: 1 }),
    (e) => e.status === 409 && e.code === 'producer_seq_conflict' && e.attempts === 1);
  assert.equal(h.calls[0].init.headers['Content-Type'], 'application/x-ndjson');
  assert.equal(h.calls[0].init.body, '{"data":"x"}\n{"data":"y"}');
});
