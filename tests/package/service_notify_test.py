#!/usr/bin/env python3
"""service_notify: the gateway's sd_notify messages, as systemd (Type=notify) would receive them.

The test plays systemd: it listens on a unix datagram socket, starts the gateway with
NOTIFY_SOCKET pointing at it, and checks
  1. with a Redis store that is down: no READY=1 while /readyz answers 503;
  2. once redis-server comes up on that port: READY=1 arrives, and /readyz answers 200 then;
     it arrives within 1 s of /readyz first answering 200;
  3. SIGTERM: STOPPING=1 arrives, and the gateway exits 0;
  4. the memory store: READY=1 arrives with /readyz 200 from the start.
Every wait is bounded.

  service_notify_test.py --gateway PATH --work DIR
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readyz(port):
    """The status /readyz answers, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


class Notifications:
    """The datagrams a service sends to NOTIFY_SOCKET, as systemd would read them."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.received = []  # one entry per KEY=VALUE line, in order

    def poll(self, timeout):
        """Reads what arrives within `timeout` seconds (at least one recv attempt)."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return []
        lines = data.decode().splitlines()
        self.received.extend(lines)
        return lines

    def wait_for(self, line, seconds, on_each=None):
        """Waits up to `seconds` for `line`; calls on_each(lines) for every datagram. True if seen."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            lines = self.poll(deadline - time.monotonic())
            if on_each and lines:
                on_each(lines)
            if line in lines:
                return True
        return False

    def close(self):
        self.sock.close()


class Gateway:
    def __init__(self, path, work, name, store, notify_path):
        self.port_file = os.path.join(work, f"{name}.port")
        self.stderr_path = os.path.join(work, f"{name}.err")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SSE_GATEWAY_")}
        env["NOTIFY_SOCKET"] = notify_path
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(
            [path, "--listen", "127.0.0.1:0", "--port-file", self.port_file, "--auth", "none",
             "--store", store, "--telemetry", "none", "--threads", "1"],
            env=env, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.port = None

    def wait_port(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    return True
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        return False

    def log(self):
        self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.stderr.close()


failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


def stop_and_check_exit(gw, notes):
    gw.proc.send_signal(signal.SIGTERM)
    check(notes.wait_for("STOPPING=1", 5), "STOPPING=1 within 5 s of SIGTERM")
    try:
        code = gw.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, f"exit status 0 after SIGTERM (got {code})")


def redis_case(args, work, sockets):
    """A store that is down at start: READY=1 must wait for it."""
    redis_server = shutil.which("redis-server")
    if not check(redis_server is not None, "redis-server is installed (scripts/bootstrap.sh)"):
        return
    notes = Notifications(os.path.join(sockets, "redis.sock"))
    redis_port = free_port()
    gw = Gateway(args.gateway, work, "redis", f"redis://127.0.0.1:{redis_port}", notes.path)
    redis = None
    try:
        if not check(gw.wait_port(15), "the gateway listens (port file written)"):
            print(gw.log())
            return
        # The store is down: /readyz 503, and no READY=1 for 4 s. The port file is written as
        # start() begins; start() then waits up to 3 s for the store before it returns and the
        # watch that sends READY=1 begins: these 4 s run past that.
        early_ready = []
        deadline = time.monotonic() + 4.0
        statuses = set()
        while time.monotonic() < deadline:
            statuses.add(readyz(gw.port))
            if "READY=1" in notes.poll(0.1):
                early_ready.append(readyz(gw.port))
        check(statuses == {503}, f"/readyz answers 503 while Redis is down (got {statuses})")
        check(not early_ready, "no READY=1 while Redis is down")
        check("STATUS=waiting for the store" in notes.received,
              f"STATUS=waiting for the store while Redis is down (got {notes.received})")

        redis = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # At the moment READY=1 arrives, /readyz must already answer 200; and it arrives
        # promptly once /readyz does (the store's availability report wakes the watch).
        status_at_ready = []
        first_200 = None
        ready_at = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ready_at is None:
            if first_200 is None and readyz(gw.port) == 200:
                first_200 = time.monotonic()
            if "READY=1" in notes.poll(0.02):
                ready_at = time.monotonic()
                status_at_ready.append(readyz(gw.port))
        if check(ready_at is not None, "READY=1 within 30 s of Redis coming up"):
            check(status_at_ready == [200], f"/readyz answers 200 when READY=1 arrives "
                                            f"(got {status_at_ready})")
            # first_200 None: READY=1 came before this loop saw a 200 at all.
            lag = ready_at - first_200 if first_200 is not None else 0.0
            print(f"[timing] READY=1 {lag * 1000:.0f} ms after /readyz first answered 200"
                  if first_200 is not None else "[timing] READY=1 before a 200 was seen")
            check(lag < 1.0, f"READY=1 within 1 s of /readyz answering 200 (took {lag:.3f} s)")
        check(notes.received.count("READY=1") == 1, "READY=1 is sent once")
        stop_and_check_exit(gw, notes)
    finally:
        gw.kill()
        if redis is not None:
            redis.terminate()
            try:
                redis.wait(timeout=10)
            except subprocess.TimeoutExpired:
                redis.kill()
        notes.close()
        if failures:
            print("gateway log:\n" + gw.log())


def memory_case(args, work, sockets):
    """The memory store is always there: READY=1 comes right after listening."""
    notes = Notifications(os.path.join(sockets, "memory.sock"))
    gw = Gateway(args.gateway, work, "memory", "memory", notes.path)
    try:
        status_at_ready = []

        def on_each(lines):
            if "READY=1" in lines and gw.wait_port(5):
                status_at_ready.append(readyz(gw.port))

        if check(notes.wait_for("READY=1", 15, on_each), "memory store: READY=1 within 15 s"):
            check(status_at_ready == [200],
                  f"memory store: /readyz answers 200 when READY=1 arrives (got {status_at_ready})")
        stop_and_check_exit(gw, notes)
    finally:
        gw.kill()
        notes.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    # Sockets in a short folder of their own: a unix socket path has at most 107 bytes.
    sockets = tempfile.mkdtemp(prefix="sse-notify-")
    try:
        redis_case(args, args.work, sockets)
        memory_case(args, args.work, sockets)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("service_notify: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
