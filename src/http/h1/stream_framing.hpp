#pragma once
// HTTP/1.1 framing of a streamed answer (private to src/http/h1), sans-io: a stream_head becomes
// the status line and header block, body writes become chunks (or stay as they are when the body
// runs to the close), and the end of the body the last chunk. h1/sse_sink.hpp writes what this
// composes; tests/unit/http/stream_framing_test.cpp checks the bytes.
//
// Why by hand rather than with Beast's chunk_body helpers: those build a buffer-sequence type per
// write that has to be flattened into a vector for the stream (an allocation per delivered
// batch); the framing is three fixed strings and a hex length. The chunk-size line goes in the
// same gather write as the frames (one syscall per batch), as a framed_body: a buffer sequence
// that views the caller's buffers between the framing's own, so nothing is copied or allocated
// per write.

#include <array>
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <iterator>
#include <span>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace sse::http::h1 {

/// Writes `<hex size>\r\n` into `line`; returns its length.
std::size_t chunk_size_line(std::size_t size, std::array<char, 20>& line) noexcept;

using buffer_view = std::span<const boost::asio::const_buffer>;

/// One body write as it goes on the wire, viewed: [chunk-size line] the body's buffers [CRLF]
/// [last chunk]. An Asio ConstBufferSequence (bidirectional iterator, buffers by value); valid
/// while the stream_framing that made it and the body's buffers are unchanged.
class framed_body {
 public:
  class const_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = boost::asio::const_buffer;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = value_type;

    const_iterator() = default;
    const_iterator(const framed_body* body, std::size_t at) noexcept : body_(body), at_(at) {}
    value_type operator*() const noexcept { return (*body_)[at_]; }
    const_iterator& operator++() noexcept {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      auto was = *this;
      ++at_;
      return was;
    }
    const_iterator& operator--() noexcept {
      --at_;
      return *this;
    }
    const_iterator operator--(int) noexcept {
      auto was = *this;
      --at_;
      return was;
    }
    friend bool operator==(const const_iterator&, const const_iterator&) = default;

   private:
    const framed_body* body_ = nullptr;
    std::size_t at_ = 0;
  };

  const_iterator begin() const noexcept { return {this, 0}; }
  const_iterator end() const noexcept { return {this, size()}; }
  /// How many buffers (the body's empty ones included).
  std::size_t size() const noexcept { return heads_ + before_ + body_.size() + after_; }
  boost::asio::const_buffer operator[](std::size_t i) const noexcept;

 private:
  friend class stream_framing;
  boost::asio::const_buffer head_;
  std::size_t heads_ = 0;  // 1 when the answer's head goes in this write
  boost::asio::const_buffer size_line_;
  std::size_t before_ = 0;  // 1 with a chunk-size line
  buffer_view body_;
  std::array<boost::asio::const_buffer, 2> tail_{};  // CRLF, the last chunk
  std::size_t after_ = 0;
};

class stream_framing {
 public:
  /// The bytes of `head` on a connection of HTTP version `version` (10 or 11), valid until the
  /// next call: `HTTP/1.x <status> <reason>`, `Server`, `Connection: close` for a close head,
  /// head.fields in order, and for a chunked body `Connection: close` (the connection ends with
  /// the stream) and `Transfer-Encoding: chunked`. Decides the framing of the body writes that
  /// follow: chunked on HTTP/1.1 unless head.close.
  std::string_view head(const stream_head& head, unsigned version);
  /// Gives back the head's memory once it is written (a stream may last for hours).
  void release_head() noexcept;

  /// The buffers to write for `body` (viewed, not copied) and, when `last`, the body's end:
  /// chunked, `<size>\r\n` body `\r\n`, then `0\r\n\r\n` when last (alone when `body` has no
  /// bytes: a chunk of none would already end the body); unframed, the body as it is. Valid
  /// until the next call. `with_head`: the bytes of the last head() go first, in the same
  /// write (one syscall for the head and the first frames instead of two).
  framed_body body(buffer_view body, bool last, bool with_head = false) noexcept;

  /// How many bytes of the last body() were written when `wire` bytes of its buffers were.
  std::size_t body_written(std::size_t wire) const noexcept;

  bool chunked() const noexcept { return chunked_; }

 private:
  bool chunked_ = false;
  std::string head_;
  std::array<char, 20> size_line_{};
  std::size_t prefix_ = 0;  // bytes before the body in bufs_: the head, the chunk-size line
  std::size_t body_ = 0;    // bytes of the body in bufs_
};

}  // namespace sse::http::h1
