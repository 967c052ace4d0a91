#!/usr/bin/env python3
"""Compressed SSE through the real gateway: bytes on the wire, gateway CPU per
delivered event, and RSS per connection, for one Accept-Encoding at a time.

It starts the gateway (release build; --threads 1, memory store, --sse-compression zstd,gzip),
opens N subscribers of one stream that send the given Accept-Encoding, appends E events one per
request (so every event is its own flushed write, as a live token stream is), waits until every
subscriber read the end event, and reports:
  wire B/event   bytes the subscribers received (headers, chunk framing and all) / (E x N)
  CPU us/event   gateway utime+stime over the delivery phase / (E x N)
  RSS B/conn     gateway RSS with N subscribers that each received the first event, minus RSS
                 before they connected, / N

  wire_bench.py --gateway BIN --coding identity|gzip|zstd --payload openai|gate
                [--subscribers 200] [--events 2000]
"""
import argparse
import os
import random
import select
import socket
import subprocess
import sys
import tempfile
import time


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def openai_data(rng):
    words = ["The", " model", " streams", " tokens", " one", " at", " a", " time", ",", " and",
             " each", " delta", " repeats", " its", " envelope", "."]
    return ('{"id":"chatcmpl-AbC9xQ2rT5","object":"chat.completion.chunk","created":1733500000,'
            '"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"'
            + rng.choice(words) + '"},"finish_reason":null}]}')


def gate_event(rng, i):
    # tools/load/traffic_mix.hpp defaults: weights 8,90,0,2; filler 16-48, 4-32, -, 200-1000.
    prio = rng.choices([0, 1, 3], weights=[8, 90, 2])[0]
    lo, hi = {0: (16, 48), 1: (4, 32), 3: (200, 1000)}[prio]
    n = rng.randint(lo, hi)
    ns = 1733500000000000000 + i * 537_000
    filler = "".join(" " if k % 6 == 5 else chr(ord("a") + (k * 7 + ns) % 26) for k in range(n))
    kind = {0: "progress", 1: "delta", 3: "usage"}[prio]
    return kind, prio, f"{ns} {filler}"


def request(port, method, path, body=b"", ctype="application/json"):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: b\r\nContent-Type: {ctype}\r\n"
              f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


class Keepalive:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def post(self, path, body):
        self.s.sendall(f"POST {path} HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end >= 0:
                head = self.buf[:head_end].decode("latin1").lower()
                length = int(head.split("content-length:")[1].split("\r\n")[0])
                if len(self.buf) >= head_end + 4 + length:
                    answer = self.buf[:head_end + 4 + length]
                    self.buf = self.buf[head_end + 4 + length:]
                    if not answer.startswith(b"HTTP/1.1 200"):
                        raise RuntimeError(answer)
                    return
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("producer connection closed")
            self.buf += chunk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--coding", default="identity")
    ap.add_argument("--payload", default="openai")
    ap.add_argument("--subscribers", type=int, default=200)
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--compression-list", default="zstd,gzip")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="wire-bench-")
    port_file = os.path.join(tmp, "port")
    gw = subprocess.Popen([a.gateway, "--listen", "127.0.0.1:0", "--port-file", port_file,
                           "--auth", "none", "--telemetry", "none", "--threads", "1",
                           "--heartbeat", "60s", "--buffer-limit", "65536",
                           "--buffer-max-bytes", "256MiB", "--max-queue-bytes", "64MiB",
                           "--sse-compression", a.compression_list,
                           "--sse-compression-max-memory", "1GiB"],
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "gw.log"), "w"))
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = int(open(port_file).read().strip())
        rng = random.Random(1)
        request(port, "PUT", "/v1/streams/w")
        time.sleep(0.3)
        rss0 = rss_bytes(gw.pid)
        ae = "" if a.coding == "identity" else f"Accept-Encoding: {a.coding}\r\n"
        subs = []
        for _ in range(a.subscribers):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(f"GET /v1/streams/w/events HTTP/1.1\r\nHost: b\r\n{ae}\r\n".encode())
            s.setblocking(False)
            subs.append(s)
        received = {s.fileno(): 0 for s in subs}
        heads = {s.fileno(): b"" for s in subs}

        def drain(deadline, until_closed=False):
            open_fds = {s.fileno(): s for s in subs}
            while open_fds and time.time() < deadline:
                r, _, _ = select.select(list(open_fds.values()), [], [], 0.05)
                for s in r:
                    try:
                        chunk = s.recv(262144)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        del open_fds[s.fileno()]
                        continue
                    received[s.fileno()] += len(chunk)
                    if len(heads[s.fileno()]) < 512:
                        heads[s.fileno()] += chunk[:512]
                if not until_closed and not r:
                    return

        producer = Keepalive(port)
        body = lambda d, kind="", prio=None: (
            '{"data":' + __import__("json").dumps(d)
            + (f',"event":"{kind}"' if kind else "")
            + (f',"priority":{prio}' if prio is not None else "") + "}").encode()
        producer.post("/v1/streams/w/events", body(openai_data(rng)))
        drain(time.time() + 2)
        time.sleep(0.5)
        drain(time.time() + 1)
        rss1 = rss_bytes(gw.pid)
        cpu0 = cpu_seconds(gw.pid)
        t0 = time.time()
        for i in range(a.events):
            if a.payload == "openai":
                producer.post("/v1/streams/w/events", body(openai_data(rng)))
            else:
                kind, prio, data = gate_event(rng, i)
                producer.post("/v1/streams/w/events", body(data, kind, prio))
            if i % 20 == 0:
                drain(time.time() + 0.001)
        producer.post("/v1/streams/w/end", b'{"status":"completed"}')
        drain(time.time() + 60, until_closed=True)
        cpu1 = cpu_seconds(gw.pid)
        elapsed = time.time() - t0
        encodings = set()
        for h in heads.values():
            low = h.decode("latin1").lower()
            encodings.add(low.split("content-encoding: ")[1].split("\r\n")[0]
                          if "content-encoding: " in low else "identity")
        deliveries = (a.events + 2) * a.subscribers
        print(f"coding={a.coding} payload={a.payload} subscribers={a.subscribers} "
              f"events={a.events} served={','.join(sorted(encodings))} "
              f"wire_B_per_event={sum(received.values()) / deliveries:.1f} "
              f"cpu_us_per_event={(cpu1 - cpu0) / deliveries * 1e6:.2f} "
              f"rss_B_per_conn={(rss1 - rss0) / a.subscribers:.0f} elapsed_s={elapsed:.1f}")
    finally:
        gw.terminate()
        try:
            gw.wait(10)
        except subprocess.TimeoutExpired:
            gw.kill()


if __name__ == "__main__":
    sys.exit(main())
