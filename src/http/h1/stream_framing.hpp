#pragma once
// HTTP/1.1 framing of a streamed answer (private to src/http/h1), sans-io: a stream_head becomes
// the status line and header block, body writes become chunks (or stay as they are when the body
// runs to the close), and the end of the body the last chunk. h1/sse_sink.hpp writes what this
// composes; tests/unit/http/stream_framing_test.cpp checks the bytes.
//
// Why by hand rather than with Beast's chunk_body helpers: those build a buffer-sequence type per
// write that has to be flattened into a vector for the stream (an allocation per delivered
// batch); the framing is three fixed strings and a hex length. The chunk-size line goes in the
// same gather write as the frames (one syscall per batch), and the buffers live in members, so a
// steady stream of writes allocates nothing once they reached their size.

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace sse::http::h1 {

/// Writes `<hex size>\r\n` into `line`; returns its length.
std::size_t chunk_size_line(std::size_t size, std::array<char, 20>& line) noexcept;

class stream_framing {
 public:
  using buffer_view = std::span<const boost::asio::const_buffer>;

  /// The bytes of `head` on a connection of HTTP version `version` (10 or 11), valid until the
  /// next call: `HTTP/1.x <status> <reason>`, `Server`, `Connection: close` for a close head,
  /// head.fields in order, and for a chunked body `Connection: keep-alive` and
  /// `Transfer-Encoding: chunked`. Decides the framing of the body writes that follow: chunked
  /// on HTTP/1.1 unless head.close.
  std::string_view head(const stream_head& head, unsigned version);

  /// The buffers to write for `body` (viewed, not copied) and, when `last`, the body's end:
  /// chunked, `<size>\r\n` body `\r\n`, then `0\r\n\r\n` when last (alone when `body` has no
  /// bytes: a chunk of none would already end the body); unframed, the body as it is. Valid
  /// until the next call.
  buffer_view body(buffer_view body, bool last);

  /// How many bytes of the last body() were written when `wire` bytes of its buffers were.
  std::size_t body_written(std::size_t wire) const noexcept;

  bool chunked() const noexcept { return chunked_; }

 private:
  bool chunked_ = false;
  std::string head_;
  std::vector<boost::asio::const_buffer> bufs_;
  std::array<char, 20> size_line_{};
  std::size_t prefix_ = 0;  // bytes before the body in bufs_: the chunk-size line
  std::size_t body_ = 0;    // bytes of the body in bufs_
};

}  // namespace sse::http::h1
