#!/usr/bin/env python3
"""Time to the first event of a fresh SSE subscriber on an otherwise idle server.

One client, one connection at a time: connect, send the GET, read until the first `data:` line,
close; N times, 2 ms apart. Prints p50/p90/p99 in ms. With no load, this isolates what one
subscribe costs the server (for the gateway on Redis: the live-channel SUBSCRIBE and its
confirmation, then the buffer read), which the load tool's resume latency mixes with queueing.

    bench/nchan/first_event_probe.py PORT PATH [N]
    # the gateway:     PATH = /v1/streams/<id>/events   (a stream with at least one event)
    # nginx + nchan:   PATH = /sub/<id>                  (bench/nchan/nginx.conf: oldest first)
"""
import socket
import sys
import time


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n".encode()
    times = []
    for _ in range(count):
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(request)
            received = b""
            while b"data:" not in received:
                chunk = s.recv(65536)
                if not chunk:
                    sys.exit(f"the server closed before an event: {received[:200]!r}")
                received += chunk
        times.append((time.perf_counter() - started) * 1000)
        time.sleep(0.002)
    times.sort()

    def q(p: float) -> float:
        return times[min(len(times) - 1, int(p * len(times)))]

    print(f"n={count} p50={q(0.5):.3f} p90={q(0.9):.3f} p99={q(0.99):.3f} ms")


if __name__ == "__main__":
    main()
