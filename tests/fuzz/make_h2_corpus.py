#!/usr/bin/env python3
"""Writes the seed inputs of h2_session_fuzz into corpus/h2_session.

Each seed is the target's control byte (see h2_session_fuzz.cpp) followed by the frames a
client sends after the connection preface. Header blocks are HPACK literals without indexing
and without Huffman coding, so that the bytes read as what they say.
Usage: tests/fuzz/make_h2_corpus.py  (rewrites the folder's seeds; commit what changed)
"""
import os
import struct

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0, 1, 3, 4, 6, 7, 8, 9)
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(
        ">I", stream) + payload


def hpack_int(value, prefix_bits):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([value])
    out = bytearray([limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def block(fields):
    out = b""
    for name, value in fields:
        out += b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value
    return out


def request(method, path, extra=()):
    return block([(b":method", method), (b":scheme", b"http"), (b":authority", b"gw"),
                  (b":path", path)] + list(extra))


def settings(*pairs):
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


SEEDS = {
    # A subscription: GET with Accept: text/event-stream, request complete in one HEADERS.
    "get": (0x06, settings() + frame(SETTINGS, ACK, 0) + frame(
        HEADERS, END_STREAM | END_HEADERS, 1,
        request(b"GET", b"/v1/streams/s1/events?last_event_id=3",
                [(b"accept", b"text/event-stream"), (b"last-event-id", b"1-2")]))),
    # An append: POST, its body in two DATA frames, the last with END_STREAM.
    "post_data": (0x0c, settings() + frame(
        HEADERS, END_HEADERS, 1,
        request(b"POST", b"/v1/streams/s1/events",
                [(b"content-type", b"application/json"), (b"producer-seq", b"7")])) +
        frame(DATA, 0, 1, b'{"data":') + frame(DATA, END_STREAM, 1, b'"hello"}')),
    # Every control frame, on a reader with a small window whose answers come in pieces.
    "control_frames": (0x9a, settings((0x4, 16), (0x5, 16384), (0x3, 100)) +
        frame(HEADERS, END_STREAM | END_HEADERS, 1, request(b"GET", b"/metrics")) +
        frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 1000)) +
        frame(WINDOW_UPDATE, 0, 1, struct.pack(">I", 64)) +
        frame(PING, 0, 0, b"12345678") +
        frame(HEADERS, END_STREAM | END_HEADERS, 3, request(b"HEAD", b"/healthz")) +
        frame(RST_STREAM, 0, 3, struct.pack(">I", 8)) +
        frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0) + b"bye")),  # no pushed streams: 0
    # A header block split over HEADERS and two CONTINUATION frames, cookies split in fields.
    "continuation": (0x08, settings() + (lambda b: frame(HEADERS, END_STREAM, 1, b[:20]) +
        frame(CONTINUATION, 0, 1, b[20:40]) + frame(CONTINUATION, END_HEADERS, 1, b[40:]))(
        request(b"GET", b"/v1/streams/s1", [(b"cookie", b"a=1"), (b"cookie", b"token=x"),
                                            (b"authorization", b"Bearer abc")]))),
    # Requests left open past a chunk (answered 408, then reset NO_ERROR) and resets by the
    # server, on 1-byte chunks.
    "unfinished": (0x60, settings() + frame(
        HEADERS, END_HEADERS, 1, request(b"POST", b"/v1/relay/r1",
                                         [(b"content-type", b"application/json")])) +
        frame(HEADERS, END_STREAM | END_HEADERS, 3, request(b"GET", b"/readyz")) +
        frame(DATA, 0, 1, b"{}")),
    # The client writes its own preface (control bit 0): the fuzzer can break it.
    "own_preface": (0x05, PREFACE + settings() + frame(
        HEADERS, END_STREAM | END_HEADERS, 1, request(b"OPTIONS", b"*",
                                                      [(b"origin", b"https://a.example")]))),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "h2_session")
os.makedirs(here, exist_ok=True)
for name, (control, frames) in SEEDS.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(bytes([control]) + frames)
