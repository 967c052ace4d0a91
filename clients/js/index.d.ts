// Types of @sse-gateway/client (sse-gateway-client.js). Written by hand; keep in step with the
// JSDoc there.

/** The gateway version this client was written with. */
export const VERSION: string;

/** A token, or a function that returns a fresh one (called before every connection/attempt). */
export type TokenSource = string | (() => string | Promise<string>);

/** One event of the stream, handed to `onEvent` once, in order. */
export interface StreamEvent {
  /** `<epoch>:<seq>` as the gateway sent it. */
  id: string;
  /** The stream's incarnation. */
  epoch: string;
  /** 1, 2, ... within the epoch. */
  seq: number;
  /** The `event:` name; `message` when the producer gave none. */
  type: string;
  /** The data as appended. */
  data: string;
}

/** Seqs `from`..`to` will never come (trimmed from the buffer, or unreadable). */
export interface GapInfo {
  from: number;
  to: number;
  reason: 'trimmed' | 'unreadable' | string;
  id: string;
}

/** The resume point was not valid; the stream restarts from seq 1 of `epoch`. */
export interface ResetInfo {
  reason: 'epoch' | 'ahead' | string;
  epoch: string;
  last_seq: number;
  id: string;
}

export interface EndInfo {
  /** `completed` | `failed` | `cancelled`; null when learnt from a 204 (already at the end). */
  status: 'completed' | 'failed' | 'cancelled' | string | null;
  /** The last event id. */
  id: string;
}

export interface ClientError {
  kind: 'http' | 'network' | 'token';
  /** The HTTP status, when one was seen. */
  status?: number;
  /** The gateway's `error` code, when its JSON body was read. */
  code?: string;
  message: string;
  /** True: the subscription stopped for good. */
  fatal: boolean;
  /** When not fatal: the delay before the next attempt. */
  retryInMs?: number;
  /** The gateway's Retry-After in ms, when it sent one. */
  retryAfterMs?: number;
  /** Consecutive failed attempts so far. */
  attempt: number;
}

export interface BackoffOptions {
  /** First delay; default 1000 (the gateway's `retry:`). */
  initialDelayMs?: number;
  /** Cap of the exponential delay; default 30000. */
  maxDelayMs?: number;
  /** Consecutive failed attempts before giving up; default Infinity. */
  maxAttempts?: number;
}

export interface SubscribeOptions {
  /** Sent as `?token=` (eventsource) or `Authorization: Bearer` (fetch). */
  token?: TokenSource;
  /** Default `eventsource`; `fetch` sends the token as a header and sees every status. */
  transport?: 'eventsource' | 'fetch';
  /** eventsource only: the `event:` names to listen for; default `['message']`. */
  eventTypes?: string[];
  onEvent?: (event: StreamEvent) => void;
  onGap?: (gap: GapInfo) => void;
  onReset?: (reset: ResetInfo) => void;
  onEnd?: (end: EndInfo) => void;
  onError?: (error: ClientError) => void;
  /** Each time a connection is established. */
  onOpen?: () => void;
  /** Resume after this id (wins over storage). */
  lastEventId?: string;
  /** E.g. `sessionStorage`: the last id survives a reload. Default null. */
  storage?: Storage | null;
  /** Default `sse-gateway:last-event-id:<absolute url>`. */
  storageKey?: string;
  /** Default `globalThis.EventSource`. */
  EventSource?: typeof EventSource;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Send cookies cross-origin (`--auth-cookie`); default false. */
  withCredentials?: boolean;
  backoff?: BackoffOptions;
}

export interface Subscription {
  /** Stops for good; no callback is called after it. */
  close(): void;
  /** The id of the last event, gap, reset or end handled ('' before any). */
  readonly lastEventId: string;
  readonly state: 'connecting' | 'open' | 'waiting' | 'closed';
  /** Settles when the subscription stops: at the end, on close(), or on a fatal error. */
  readonly done: Promise<'end' | 'closed' | 'fatal'>;
}

/** Subscribes to `GET /v1/streams/{id}/events` and keeps it going. */
export function subscribe(url: string | URL, options?: SubscribeOptions): Subscription;

export interface AppendEvent {
  data: string;
  event?: string;
  /** 0..3, default 1. */
  priority?: number;
}

/** The gateway's answer (the original one, for a retry that found its append stored). */
export interface AppendResult {
  epoch: string;
  first_seq: number;
  last_seq: number;
  trimmed: number;
}

export interface RetryInfo {
  attempt: number;
  status?: number;
  code?: string;
  message: string;
  delayMs: number;
  retryAfterMs?: number;
}

export interface AppendOptions {
  /** Sent as `Authorization: Bearer`. */
  token?: TokenSource;
  /** `Producer-Seq`: the seq the first event must get; the same on every retry. */
  producerSeq?: number;
  /** Attempts after the first; default 5. */
  retries?: number;
  signal?: AbortSignal;
  /** Default initialDelayMs 250, maxDelayMs 10000. */
  backoff?: BackoffOptions;
  onRetry?: (retry: RetryInfo) => void;
  fetch?: typeof fetch;
}

/** Appends one event (JSON) or a batch (NDJSON, all or nothing). */
export function append(
  url: string | URL,
  events: AppendEvent | AppendEvent[],
  options?: AppendOptions,
): Promise<AppendResult>;

/** An append that failed for good. */
export class GatewayError extends Error {
  constructor(
    message: string,
    info: { status?: number; code?: string; attempts: number; retryAfterMs?: number },
  );
  readonly name: 'GatewayError';
  /** The last HTTP status; undefined after a network error. */
  status?: number;
  code?: string;
  attempts: number;
  retryAfterMs?: number;
}

/** The jittered exponential delay for the `attempt`-th consecutive failure (0-based). */
export function backoffDelay(
  attempt: number,
  backoff: Required<BackoffOptions>,
  random?: () => number,
): number;

/** Retry-After (seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now?: number): number | undefined;

/** `<epoch>:<seq>` or `<seq>` into its parts; null for anything else. */
export function parseEventId(id: string): { epoch: string; seq: number } | null;

/** An incremental text/event-stream parser; returns the function to feed text chunks to. */
export function sseParser(
  dispatch: (frame: { type: string; data: string; id: string }) => void,
  onRetry?: (ms: number) => void,
): (chunk: string) => void;
