#pragma once
// The nghttp2 server session of one connection, as a sans-io value: bytes in (receive), bytes
// out (pending_output), and what happened reported to a session_handler. No socket and no
// Asio here: h2/connection.cpp moves the bytes. Worker thread only.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "http/message.hpp"

struct nghttp2_session;

namespace sse::http::h2 {

/// What the session reports, each call made from inside receive() or pending_output().
class session_handler {
 public:
  virtual void on_stream_begin(std::int32_t id) = 0;
  /// A request header field (pseudo-headers included); false resets the stream.
  virtual bool on_header(std::int32_t id, std::string_view name, std::string_view value) = 0;
  virtual void on_body(std::int32_t id, std::string_view bytes) = 0;
  /// The request is complete (END_STREAM received).
  virtual void on_request_end(std::int32_t id) = 0;
  virtual void on_stream_close(std::int32_t id, std::uint32_t error_code) = 0;
  /// Fills `out` with the stream's next response bytes. Returns the count, with `eof` set on the
  /// last; `deferred` when none are ready yet (resume_body() when they are).
  virtual std::size_t read_body(std::int32_t id, std::span<std::uint8_t> out, bool& eof,
                                bool& deferred) = 0;
  /// A GOAWAY with `error_code` (not NO_ERROR) went out: the peer broke the protocol or a limit
  /// (a bad frame, rapid resets); the connection ends.
  virtual void on_connection_error(std::uint32_t error_code) = 0;

 protected:
  ~session_handler() = default;
};

struct session_limits {
  std::uint32_t max_concurrent_streams = 128;
  std::uint32_t max_header_list_bytes = 16 * 1024;
  /// What a client may send on one stream, and on the connection, before the gateway's
  /// WINDOW_UPDATE: HTTP/2's 64 KiB default made an append of 0.5 MB over a 50 ms round trip
  /// 7x slower than over HTTP/1.1 (BENCHMARKS.md, "HTTP/2 flow-control windows"). Bodies are
  /// consumed as they arrive and bounded by --max-body-bytes, so a larger window holds no more.
  std::uint32_t stream_window_bytes = 1024 * 1024;
  std::uint32_t connection_window_bytes = 16 * 1024 * 1024;
};

class session {
 public:
  session(session_handler& handler, const session_limits& limits);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Feeds bytes read from the peer. False: a connection error (GOAWAY is queued; send what
  /// pending_output() still gives, then close).
  bool receive(std::string_view bytes);
  /// The next bytes to send, valid until the next call; empty when there is nothing to send.
  std::span<const std::uint8_t> pending_output();
  /// False once neither side will exchange anything more (after GOAWAY and its streams).
  bool alive() const noexcept;

  /// A response head; with `has_body` the body comes from read_body().
  void submit_response(std::int32_t id, unsigned status, const header_list& headers, bool has_body);
  void resume_body(std::int32_t id);
  /// RST_STREAM with `error_code` (NGHTTP2_CANCEL for a slow reader).
  void reset_stream(std::int32_t id, std::uint32_t error_code);
  /// Graceful shutdown: GOAWAY naming the last stream taken; those streams may finish.
  void goaway();
  /// Stops the connection now with GOAWAY(`error_code`).
  void terminate(std::uint32_t error_code);

 private:
  nghttp2_session* s_ = nullptr;
};

}  // namespace sse::http::h2
