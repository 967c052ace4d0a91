#!/usr/bin/python3
"""Memory probes against a running sse-gateway (Debian's python3, standard library only).

  idle    N idle SSE connections: RSS before, at the peak (per connection), and every second for
          --after seconds once they are closed (is the memory given back?). With
          --events-per-stream 256 (a full default buffer, --streams 200), each connection is a
          live subscriber sent all of them: its cost beyond the stored events.
  streams N streams of one small event appended over HTTP: RSS per stream, then every second
          until the streams have expired (--after seconds; start the gateway with a short --ttl).

RSS is VmRSS from /proc/PID/status of the gateway (--pid). Every wait is bounded; a probe that
cannot reach its target (connections not all answered, appends failing) exits non-zero.
Output: human lines on stderr, one JSON object on stdout.
"""

import argparse
import http.client
import json
import selectors
import socket
import sys
import threading
import time

MIB = 1024 * 1024


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def append_events(port, ids, data, connections=8):
    """Keep-alive connections in parallel threads; every append must answer 200."""
    body = json.dumps({"data": data})
    errors = []

    def run(part):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            for sid in part:
                conn.request("POST", f"/v1/streams/{sid}/events", body,
                             {"Content-Type": "application/json"})
                res = conn.getresponse()
                res.read()
                if res.status != 200:
                    raise RuntimeError(f"append to {sid}: HTTP {res.status}")
            conn.close()
        except Exception as e:  # reported by the caller
            errors.append(e)

    threads = [threading.Thread(target=run, args=(ids[i::connections],))
               for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def gauge(port, name):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    raise RuntimeError(f"no {name} in /metrics")


def open_idle(port, n, stream_ids, deadline_s):
    """Opens n SSE connections round-robin over stream_ids and waits (bounded) until each has
    its response header and, when its stream has events, the first event."""
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        sid = stream_ids[i % len(stream_ids)]
        s.sendall(f"GET /v1/streams/{sid}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Accept: text/event-stream\r\n\r\n".encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
        socks.append(s)
    ready = 0
    want = b"\ndata:"
    deadline = time.monotonic() + deadline_s
    while ready < n and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            buf = key.data
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise RuntimeError("a connection closed before its first event")
            buf += chunk
            if b" 200 " not in buf[:16]:
                raise RuntimeError(f"unexpected answer: {bytes(buf[:80])!r}")
            if want in buf:
                sel.unregister(key.fileobj)
                ready += 1
    sel.close()
    if ready < n:
        raise RuntimeError(f"only {ready} of {n} connections got their first event in time")
    return socks


def sample_after(pid, seconds):
    out = []
    t0 = time.monotonic()
    for i in range(1, seconds + 1):
        time.sleep(max(0.0, t0 + i - time.monotonic()))
        out.append(rss_bytes(pid))
        log(f"  +{i:2d}s  RSS {out[-1] / MIB:7.1f} MiB")
    return out


def idle(args):
    ids = [f"idle-{i}" for i in range(args.streams)]
    for _ in range(args.events_per_stream):
        append_events(args.port, ids, "x" * args.event_bytes)
    time.sleep(1)
    # The stored events are in `before`: what follows is the connections' own cost.
    before = rss_bytes(args.pid)
    log(f"before: RSS {before / MIB:.1f} MiB ({args.streams} streams of"
        f" {args.events_per_stream} events)")
    cycles = []
    for c in range(args.cycles):
        t = time.monotonic()
        socks = open_idle(args.port, args.connections, ids, args.open_timeout)
        log(f"cycle {c + 1}: {args.connections} connections open in {time.monotonic() - t:.1f}s")
        time.sleep(args.settle)
        peak = rss_bytes(args.pid)
        per_conn = (peak - before) / args.connections
        log(f"  peak: RSS {peak / MIB:.1f} MiB, {per_conn:.0f} B per connection over before")
        for s in socks:
            s.close()
        after = sample_after(args.pid, args.after)
        cycles.append({"peak_rss": peak, "bytes_per_connection": round(per_conn),
                       "rss_after": after})
    limit = 2 * before + 32 * MIB
    last = cycles[-1]["rss_after"][-1]
    log(f"goal: RSS {args.after}s after the close <= 2 x before + 32 MiB = {limit / MIB:.1f} MiB:"
        f" {last / MIB:.1f} MiB, {'met' if last <= limit else 'NOT met'}")
    print(json.dumps({"probe": "idle", "connections": args.connections,
                      "streams": args.streams, "events_per_stream": args.events_per_stream,
                      "rss_before": before, "cycles": cycles,
                      "given_back_limit": limit, "given_back_met": last <= limit}))


def streams(args):
    time.sleep(1)
    before = rss_bytes(args.pid)
    log(f"before: RSS {before / MIB:.1f} MiB")
    t = time.monotonic()
    ids = [f"s-{i}" for i in range(args.streams)]
    append_events(args.port, ids, "x" * args.event_bytes)
    log(f"{args.streams} streams of one {args.event_bytes}-byte event in"
        f" {time.monotonic() - t:.1f}s")
    peak = rss_bytes(args.pid)
    # Streams created first may have expired already on a slow machine: divide by those alive.
    alive = gauge(args.port, "sse_gateway_streams_active")
    per_stream = (peak - before) / alive
    log(f"peak: RSS {peak / MIB:.1f} MiB with {alive} streams alive,"
        f" {per_stream:.0f} B per stream over before")
    after = sample_after(args.pid, args.after)
    left = gauge(args.port, "sse_gateway_streams_active")
    log(f"after {args.after}s: {left} streams alive, RSS {after[-1] / MIB:.1f} MiB")
    print(json.dumps({"probe": "streams", "streams": args.streams, "alive_at_peak": alive,
                      "event_bytes": args.event_bytes, "rss_before": before, "peak_rss": peak,
                      "bytes_per_stream": round(per_stream), "rss_after": after,
                      "alive_after": left}))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("probe", choices=["idle", "streams"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--connections", type=int, default=10000)
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--event-bytes", type=int, default=40)
    p.add_argument("--events-per-stream", type=int, default=1,
                   help="idle: events appended to each stream before the connections open"
                   " (256 fills the default buffer; every connection is sent them all)")
    p.add_argument("--cycles", type=int, default=1)
    p.add_argument("--settle", type=float, default=2.0,
                   help="idle: seconds between the last connection's first event and the peak"
                   " reading (the allocator's purge of what the opening freed takes ~10 s)")
    p.add_argument("--after", type=int, default=10, help="seconds sampled after the peak")
    p.add_argument("--open-timeout", type=float, default=120.0)
    args = p.parse_args()
    idle(args) if args.probe == "idle" else streams(args)


if __name__ == "__main__":
    main()
