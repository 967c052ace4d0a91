// @sse-gateway/client: read and write sse-gateway streams from a page without glue code.
//
// subscribe(): one live reader of a stream that resumes by itself. It keeps the last event id
// (`<epoch>:<seq>`) it handled, reconnects with `?last_event_id=` after a cut, renews an expired
// token on `event: auth_expired`, reports `gap` and `reset`, stops on `end` or 204, backs off on
// 429/503 (honouring Retry-After) and with jittered exponential delays otherwise, and hands each
// event over once and in order (a seq at or below the last one handled in the same epoch is
// dropped). Optionally it keeps the id in sessionStorage, so that a reloaded page resumes.
//
// append(): one append, retried on network errors, 408, 429 and 5xx with the same Producer-Seq,
// so that a retry of an append that had been stored is answered as that append, not stored twice.
//
// No dependencies; runs in browsers (and anywhere with fetch, or an EventSource passed in).

/** The gateway's version this client was written with (CMakeLists.txt project(VERSION)). */
export const VERSION = '0.1.0';

/**
 * @typedef {object} StreamEvent
 * @property {string} id     `<epoch>:<seq>` as the gateway sent it
 * @property {string} epoch  the stream incarnation
 * @property {number} seq    1, 2, ... within the epoch
 * @property {string} type   the `event:` name (`message` when the producer gave none)
 * @property {string} data   the data as appended
 */

/**
 * @typedef {object} GapInfo  seqs `from`..`to` will never come (trimmed, or unreadable)
 * @property {number} from
 * @property {number} to
 * @property {string} reason  `trimmed` | `unreadable`
 * @property {string} id
 */

/**
 * @typedef {object} ResetInfo  the resume point was not valid: the stream restarts from seq 1
 * @property {string} reason   `epoch` (another incarnation) | `ahead` (past the last seq)
 * @property {string} epoch    the stream's current epoch
 * @property {number} last_seq
 * @property {string} id
 */

/**
 * @typedef {object} EndInfo
 * @property {string|null} status  `completed` | `failed` | `cancelled`; null when the gateway
 *   answered 204 (the stored resume point was already at the end)
 * @property {string} id           the last event id
 */

/**
 * @typedef {object} ClientError
 * @property {'http'|'network'|'token'} kind
 * @property {number} [status]     HTTP status, when one was seen
 * @property {string} [code]       the gateway's `error` code, when its JSON body was read
 * @property {string} message
 * @property {boolean} fatal       true: the subscription stopped for good
 * @property {number} [retryInMs]  when not fatal: the delay before the next attempt
 * @property {number} [retryAfterMs] the gateway's Retry-After, when it sent one
 * @property {number} attempt      consecutive failed attempts so far
 */

/**
 * @typedef {object} BackoffOptions
 * @property {number} [initialDelayMs=1000] first delay (the gateway's `retry:` is 1000 ms)
 * @property {number} [maxDelayMs=30000]    cap of the exponential delay
 * @property {number} [maxAttempts=Infinity] consecutive failed attempts before giving up
 */

/**
 * @typedef {object} SubscribeOptions
 * @property {string|(() => string|Promise<string>)} [token] called before every connection;
 *   sent as `?token=` (eventsource) or `Authorization: Bearer` (fetch)
 * @property {'eventsource'|'fetch'} [transport='eventsource']
 * @property {string[]} [eventTypes=['message']] eventsource only: the `event:` names to listen
 *   for (EventSource has no catch-all listener); fetch delivers every type
 * @property {(e: StreamEvent) => void} [onEvent]
 * @property {(g: GapInfo) => void} [onGap]
 * @property {(r: ResetInfo) => void} [onReset]
 * @property {(e: EndInfo) => void} [onEnd]
 * @property {(e: ClientError) => void} [onError]
 * @property {() => void} [onOpen] each time a connection is established
 * @property {string} [lastEventId] resume after this id (wins over storage)
 * @property {Storage|null} [storage=null] e.g. sessionStorage: the last id survives a reload
 * @property {string} [storageKey] default `sse-gateway:last-event-id:<absolute url>`
 * @property {typeof EventSource} [EventSource] default globalThis.EventSource
 * @property {typeof fetch} [fetch] default globalThis.fetch
 * @property {boolean} [withCredentials=false] send cookies (`--auth-cookie`) cross-origin
 * @property {BackoffOptions} [backoff]
 */

/**
 * @typedef {object} Subscription
 * @property {() => void} close  stop for good (no callback is called after it)
 * @property {string} lastEventId the id of the last event, gap, reset or end handled ('' before)
 * @property {'connecting'|'open'|'waiting'|'closed'} state
 * @property {Promise<'end'|'closed'|'fatal'>} done settles when the subscription stops
 */

/** HTTP statuses after which an attempt is repeated (later); any other non-200 is final. */
const retryable = (status) => status === 408 || status === 429 || status >= 500;

/**
 * Jittered exponential delay for the `attempt`-th consecutive failure (0-based): a random point
 * in the upper half of min(max, initial * 2^attempt), so that clients cut together do not come
 * back together.
 * @param {number} attempt
 * @param {Required<BackoffOptions>} b
 * @param {() => number} random
 */
export function backoffDelay(attempt, b, random = Math.random) {
  const ceiling = Math.min(b.maxDelayMs, b.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Retry-After (delay-seconds or an HTTP date) in ms; undefined when absent or unreadable.
 * @param {string|null|undefined} value
 * @param {number} [now]
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined || value.trim() === '') {
    return undefined;
  }
  if (/^\s*\d+\s*$/.test(value)) {
    return Number(value) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `<epoch>:<seq>` (or a bare `<seq>`) into its parts; null for anything else.
 * @param {string} id
 * @returns {{epoch: string, seq: number}|null}
 */
export function parseEventId(id) {
  const m = /^(?:([a-z0-9]*):)?(\d+)$/.exec(id ?? '');
  return m ? { epoch: m[1] ?? '', seq: Number(m[2]) } : null;
}

/**
 * An incremental text/event-stream parser (the WHATWG rules: fields, `data` lines joined with
 * \n, an event dispatched on a blank line only when it has data, comments ignored).
 * @param {(frame: {type: string, data: string, id: string}) => void} dispatch
 * @param {(ms: number) => void} [onRetry] the `retry:` field
 * @returns {(chunk: string) => void}
 */
export function sseParser(dispatch, onRetry = () => {}) {
  let buffer = '';
  let data = '';
  let type = '';
  let id = '';
  let sawCr = false;
  const line = (text) => {
    if (text === '') {
      if (data !== '') {
        dispatch({ type: type || 'message', data: data.endsWith('\n') ? data.slice(0, -1) : data, id });
      }
      data = '';
      type = '';
      return;
    }
    if (text.startsWith(':')) {
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'data') {
      data += `${value}\n`;
    } else if (field === 'event') {
      type = value;
    } else if (field === 'id' && !value.includes('\0')) {
      id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      onRetry(Number(value));
    }
  };
  return (chunk) => {
    buffer += chunk;
    let start = 0;
    for (let i = 0; i < buffer.length; i += 1) {
      const c = buffer[i];
      if (c === '\n' && sawCr) {  // the \n of a \r\n: the line ended at the \r
        sawCr = false;
        start = i + 1;
        continue;
      }
      sawCr = c === '\r';
      if (c === '\n' || c === '\r') {
        line(buffer.slice(start, i));
        start = i + 1;
      }
    }
    buffer = buffer.slice(start);
  };
}

/** @param {BackoffOptions|undefined} b @returns {Required<BackoffOptions>} */
function backoffOptions(b) {
  return { initialDelayMs: 1000, maxDelayMs: 30000, maxAttempts: Infinity, ...(b ?? {}) };
}

/** @param {unknown} token */
async function resolveToken(token) {
  return typeof token === 'function' ? await token() : token;
}

/** The gateway's JSON error body, if the response has one. @param {Response} res */
async function errorBody(res) {
  try {
    const body = await res.json();
    return { code: body?.error, message: body?.message };
  } catch {
    return {};
  }
}

/**
 * Subscribes to a stream's events (`GET /v1/streams/{id}/events`) and keeps it going across
 * cuts, token expiry and reloads. See the module comment and README.md.
 *
 * How status codes are learnt: `fetch` sees them directly. `EventSource` does not expose them:
 * it fails for good (readyState CLOSED) on any answer but a 200 event stream, and only then does
 * this client send one probe, a plain `fetch` of the same URL (same token, same resume point)
 * whose status (204, 401, 429/503 and Retry-After, ...) decides what comes next; a probe that
 * gets a 200 is aborted at once. A cut of an open stream (readyState CONNECTING) needs no probe.
 * Either way the EventSource is closed and this client reconnects itself (the browser's own
 * reconnect would reuse an expired `?token=` and knows no backoff).
 *
 * @param {string|URL} url  the events URL, e.g. `https://gw.example/v1/streams/job-42/events`
 * @param {SubscribeOptions} [options]
 * @returns {Subscription}
 */
export function subscribe(url, options = {}) {
  const o = options;
  const ES = o.EventSource ?? globalThis.EventSource;
  const fetchFn = o.fetch ?? globalThis.fetch?.bind(globalThis);
  const transport = o.transport ?? 'eventsource';
  if (transport !== 'eventsource' && transport !== 'fetch') {
    throw new TypeError(`transport must be 'eventsource' or 'fetch', not ${String(transport)}`);
  }
  if (transport === 'eventsource' && typeof ES !== 'function') {
    throw new TypeError('no EventSource: pass options.EventSource or use transport: \'fetch\'');
  }
  if (typeof fetchFn !== 'function') {
    throw new TypeError('no fetch: pass options.fetch');
  }
  const base = globalThis.location?.href;
  const target = new URL(String(url), base);
  const b = backoffOptions(o.backoff);
  const storage = o.storage ?? null;
  const storageKey = o.storageKey ?? `sse-gateway:last-event-id:${target.href}`;
  const eventTypes = [...new Set(o.eventTypes ?? ['message'])];

  let stored = null;
  try {
    stored = storage?.getItem(storageKey) ?? null;
  } catch {
    // A storage the page may not read (a sandboxed frame): start without it.
  }
  let lastId = o.lastEventId ?? stored ?? '';
  let position = parseEventId(lastId);  // {epoch, seq} of lastId
  /** @type {'connecting'|'open'|'waiting'|'closed'} */
  let state = 'connecting';
  let generation = 0;  // bumped per connection: events of an older one are ignored
  let failures = 0;    // consecutive failed attempts
  let refusedTokens = 0;
  let initialDelay = b.initialDelayMs;
  /** @type {{close(): void}|null} */
  let current = null;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  /** @type {(why: 'end'|'closed'|'fatal') => void} */
  let settle = () => {};
  /** @type {Promise<'end'|'closed'|'fatal'>} */
  const done = new Promise((resolve) => { settle = resolve; });
  const closed = () => state === 'closed';  // a function: read again after every await

  const call = (fn, arg) => {
    if (!fn) {
      return;
    }
    try {
      fn(arg);
    } catch (e) {
      // A throwing handler must not stop the stream nor make it repeat the event.
      queueMicrotask(() => { throw e; });
    }
  };

  const stop = (why) => {
    if (state === 'closed') {
      return;
    }
    state = 'closed';
    generation += 1;
    clearTimeout(timer);
    current?.close();
    current = null;
    settle(why);
  };

  const remember = (id) => {
    lastId = id;
    position = parseEventId(id);
    try {
      storage?.setItem(storageKey, id);
    } catch {
      // A full or disabled storage only loses the resume-after-reload.
    }
  };

  // True when the frame is new: after `position` in the same epoch (or any epoch before the
  // first id is known). A reset is the one frame that moves to another epoch.
  const isNew = (parsed, type) => {
    if (!parsed || !position || type === 'reset') {
      return true;
    }
    return parsed.epoch !== position.epoch || parsed.seq > position.seq;
  };

  /** One parsed frame of the stream, from either transport. */
  const onFrame = (gen, { type, data, id }) => {
    if (gen !== generation || state === 'closed') {
      return;
    }
    if (type === 'auth_expired') {
      // The response finishes after it: reconnect now with a fresh token and the last id.
      reconnect(0);
      return;
    }
    const parsed = parseEventId(id);
    if (!isNew(parsed, type)) {
      return;  // already handled (a replay overlapping what a cut connection had delivered)
    }
    const json = () => {
      try {
        return JSON.parse(data);
      } catch {
        return {};
      }
    };
    if (id) {
      remember(id);
    }
    if (type === 'gap') {
      call(o.onGap, { ...json(), id });
    } else if (type === 'reset') {
      call(o.onReset, { ...json(), id });
    } else if (type === 'end') {
      stop('end');
      call(o.onEnd, { status: json().status ?? null, id });
    } else {
      call(o.onEvent, { id, epoch: parsed?.epoch ?? '', seq: parsed?.seq ?? 0, type, data });
    }
  };

  const opened = (gen) => {
    if (gen !== generation || state === 'closed') {
      return;
    }
    state = 'open';
    failures = 0;
    refusedTokens = 0;
    call(o.onOpen);
  };

  /** Waits `ms`, then connects again (the current connection is dropped first). */
  const reconnect = (ms) => {
    if (state === 'closed') {
      return;
    }
    generation += 1;
    current?.close();
    current = null;
    state = 'waiting';
    clearTimeout(timer);
    timer = setTimeout(connect, ms);
  };

  /** A failed attempt: retried after a delay, or the end of the subscription. */
  const failed = (err, retryAfterMs) => {
    if (state === 'closed') {
      return;
    }
    const fatal = err.fatal || failures + 1 >= b.maxAttempts;
    const delay = Math.max(retryAfterMs ?? 0, backoffDelay(failures, { ...b, initialDelayMs: initialDelay }));
    failures += 1;
    const report = { ...err, fatal, attempt: failures, retryAfterMs };
    if (fatal) {
      stop('fatal');
    } else {
      report.retryInMs = delay;
      reconnect(delay);
    }
    call(o.onError, report);
  };

  /** What a non-200 answer means; `res` is the failed stream or the probe. */
  const onStatus = async (gen, res) => {
    const status = res.status;
    if (status === 204) {
      stop('end');
      call(o.onEnd, { status: null, id: lastId });
      return;
    }
    const body = await errorBody(res);
    if (gen !== generation || state === 'closed') {
      return;
    }
    const err = { kind: 'http', status, code: body.code, message: body.message ?? `HTTP ${status}` };
    if (status === 401 && o.token && refusedTokens === 0) {
      refusedTokens += 1;  // an expired token: one immediate retry with a fresh one
      reconnect(0);
      call(o.onError, { ...err, fatal: false, attempt: failures, retryInMs: 0 });
      return;
    }
    failed({ ...err, fatal: !retryable(status) },
      status === 429 || status === 503 ? parseRetryAfter(res.headers.get('Retry-After')) : undefined);
  };

  const withQuery = (token) => {
    const u = new URL(target.href);
    if (token && transport === 'eventsource') {
      u.searchParams.set('token', token);
    }
    if (lastId) {
      u.searchParams.set('last_event_id', lastId);
    }
    return u.href;
  };

  const credentials = o.withCredentials ? 'include' : 'same-origin';

  /** EventSource failed with a status it does not show: ask once with fetch. */
  const probe = async (gen, href) => {
    const abort = new AbortController();
    current = { close: () => abort.abort() };
    try {
      const headers = { Accept: 'text/event-stream' };
      const res = await fetchFn(href, { headers, credentials, cache: 'no-store', signal: abort.signal });
      if (res.status === 200) {
        abort.abort();  // the condition has cleared: subscribe again
        if (gen === generation) {
          failed({ kind: 'http', status: 200, message: 'EventSource failed but a probe got 200', fatal: false });
        }
        return;
      }
      await onStatus(gen, res);
    } catch (e) {
      if (gen === generation) {
        failed({ kind: 'network', message: String(e?.message ?? e), fatal: false });
      }
    }
  };

  const connectEventSource = (gen, token) => {
    const href = withQuery(token);
    const es = new ES(href, { withCredentials: !!o.withCredentials });
    current = { close: () => es.close() };
    const listen = (type) => es.addEventListener(type, (e) => {
      onFrame(gen, { type, data: e.data, id: e.lastEventId });
    });
    for (const type of new Set([...eventTypes, 'gap', 'reset', 'end', 'auth_expired'])) {
      listen(type);
    }
    es.onopen = () => opened(gen);
    es.onerror = (e) => {
      if (gen !== generation || closed() || typeof (/** @type {any} */ (e)).data === 'string') {
        return;  // an older connection, or an in-stream `event: error` (not the gateway's)
      }
      const refused = es.readyState === 2;  // CLOSED: a non-200 answer (or CORS); else a cut
      const wasOpen = state === 'open';
      es.close();
      if (refused) {
        state = 'connecting';
        probe(gen, href);
      } else {
        failed({ kind: 'network', message: wasOpen ? 'connection lost' : 'could not connect', fatal: false });
      }
    };
  };

  const connectFetch = async (gen, token) => {
    const abort = new AbortController();
    current = { close: () => abort.abort() };
    const headers = { Accept: 'text/event-stream' };
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    let res;
    try {
      res = await fetchFn(withQuery(token), { headers, credentials, cache: 'no-store', signal: abort.signal });
    } catch (e) {
      if (gen === generation) {
        failed({ kind: 'network', message: String(e?.message ?? e), fatal: false });
      }
      return;
    }
    if (gen !== generation) {
      abort.abort();
      return;
    }
    if (res.status !== 200 || !(res.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) {
      if (res.status === 200) {
        abort.abort();
        failed({ kind: 'http', status: 200, message: 'not a text/event-stream answer', fatal: true });
        return;
      }
      await onStatus(gen, res);
      return;
    }
    opened(gen);
    const feed = sseParser((frame) => onFrame(gen, frame), (ms) => { initialDelay = ms; });
    const decoder = new TextDecoder();
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished || gen !== generation) {
          break;
        }
        feed(decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      if (gen === generation) {
        failed({ kind: 'network', message: String(e?.message ?? e), fatal: false });
      }
      return;
    }
    if (gen === generation && state !== 'closed') {
      // The response finished without `end` (expiry, deletion, shutdown, a slow-client drop).
      failed({ kind: 'network', message: 'the stream finished without end', fatal: false });
    }
  };

  async function connect() {
    if (state === 'closed') {
      return;
    }
    const gen = ++generation;
    state = 'connecting';
    let token;
    try {
      token = o.token ? await resolveToken(o.token) : undefined;
    } catch (e) {
      if (gen === generation) {
        failed({ kind: 'token', message: `token(): ${String(e?.message ?? e)}`, fatal: false });
      }
      return;
    }
    if (gen !== generation || closed()) {
      return;
    }
    if (transport === 'fetch') {
      connectFetch(gen, token);
    } else {
      connectEventSource(gen, token);
    }
  }

  connect();
  return {
    close: () => stop('closed'),
    get lastEventId() { return lastId; },
    get state() { return state; },
    done,
  };
}

/**
 * An append that failed for good.
 */
export class GatewayError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, attempts: number, retryAfterMs?: number}} info
   */
  constructor(message, info) {
    super(message);
    this.name = 'GatewayError';
    this.status = info.status;
    this.code = info.code;
    this.attempts = info.attempts;
    this.retryAfterMs = info.retryAfterMs;
  }
}

/** @param {number} ms @param {AbortSignal|undefined} signal */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    function onAbort() {
      clearTimeout(t);
      reject(signal.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * @typedef {object} AppendEvent
 * @property {string} data
 * @property {string} [event]
 * @property {number} [priority] 0..3
 */

/**
 * @typedef {object} AppendResult  the gateway's answer (the original one, for a retry that
 *   found its append stored)
 * @property {string} epoch
 * @property {number} first_seq
 * @property {number} last_seq
 * @property {number} trimmed
 */

/**
 * @typedef {object} AppendOptions
 * @property {string|(() => string|Promise<string>)} [token] sent as `Authorization: Bearer`
 * @property {number} [producerSeq] the seq the first event must get (`Producer-Seq`): makes
 *   retries idempotent. Without it only answers that say nothing was stored (429, 503
 *   `store_unavailable`, `too_many_streams`) are retried.
 * @property {number} [retries=5]  attempts after the first
 * @property {AbortSignal} [signal]
 * @property {BackoffOptions} [backoff] default initialDelayMs 250, maxDelayMs 10000
 * @property {(r: {attempt: number, status?: number, code?: string, message: string, delayMs: number, retryAfterMs?: number}) => void} [onRetry]
 * @property {typeof fetch} [fetch]
 */

/**
 * Appends one event (JSON) or several (an array: one NDJSON batch, all or nothing) to a stream
 * (`POST /v1/streams/{id}/events`). With `producerSeq`, every retry carries the same
 * `Producer-Seq`: an attempt whose answer was lost but which was stored is answered, on retry,
 * with its original result, and nothing is stored twice.
 *
 * @param {string|URL} url  the events URL, e.g. `https://gw.example/v1/streams/job-42/events`
 * @param {AppendEvent|AppendEvent[]} events
 * @param {AppendOptions} [options]
 * @returns {Promise<AppendResult>}
 */
export async function append(url, events, options = {}) {
  const o = options;
  const fetchFn = o.fetch ?? globalThis.fetch?.bind(globalThis);
  const b = backoffOptions({ initialDelayMs: 250, maxDelayMs: 10000, ...(o.backoff ?? {}) });
  const retries = o.retries ?? 5;
  const batch = Array.isArray(events);
  const body = batch ? events.map((e) => JSON.stringify(e)).join('\n') : JSON.stringify(events);
  const target = new URL(String(url), globalThis.location?.href).href;
  const idempotent = o.producerSeq !== undefined && o.producerSeq !== null;
  if (idempotent && !(Number.isInteger(o.producerSeq) && o.producerSeq >= 1)) {
    throw new TypeError('producerSeq must be an integer >= 1');
  }
  for (let attempt = 0; ; attempt += 1) {
    const headers = { 'Content-Type': batch ? 'application/x-ndjson' : 'application/json' };
    if (idempotent) {
      headers['Producer-Seq'] = String(o.producerSeq);  // the same on every attempt
    }
    const token = o.token ? await resolveToken(o.token) : undefined;
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    let failure;
    try {
      const res = await fetchFn(target, { method: 'POST', headers, body, signal: o.signal });
      if (res.ok) {
        return await res.json();
      }
      const { code, message } = await errorBody(res);
      const retryAfterMs = parseRetryAfter(res.headers.get('Retry-After'));
      // Without Producer-Seq, retry only what says nothing was stored.
      const safe = idempotent ? retryable(res.status) :
        res.status === 429 || (res.status === 503 && code !== 'outcome_unknown');
      failure = { status: res.status, code, message: message ?? `HTTP ${res.status}`, retryAfterMs, safe };
    } catch (e) {
      if (o.signal?.aborted) {
        throw e;
      }
      // The request may have been stored before its answer was lost: only Producer-Seq makes a
      // retry safe.
      failure = { message: String(e?.message ?? e), safe: idempotent };
    }
    if (!failure.safe || attempt >= retries) {
      throw new GatewayError(failure.message, { ...failure, attempts: attempt + 1 });
    }
    const delayMs = Math.max(failure.retryAfterMs ?? 0, backoffDelay(attempt, b));
    o.onRetry?.({ attempt: attempt + 1, status: failure.status, code: failure.code,
      message: failure.message, delayMs, retryAfterMs: failure.retryAfterMs });
    await sleep(delayMs, o.signal);
  }
}
