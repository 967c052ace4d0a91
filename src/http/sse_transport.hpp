#pragma once
// The SSE sink: what a streamed answer (an SSE subscription, a Durable Streams live=sse read)
// writes to and watches, whatever the framing under it (private to src/http). The caller hands
// over a head (stream_head: status and fields) and then body bytes and the body's end; the
// framing turns them into its protocol's bytes. HTTP/1.1 (h1/sse_sink.hpp over h1/stream_framing)
// writes the status line and header block, then each body write as one chunk (the chunk-size
// line in the same gather write as the frames) and the last chunk at the end, or the body
// unframed up to the close (HTTP/1.0, `close` heads). An HTTP/2 stream is the next
// implementation (HEADERS, DATA frames, END_STREAM), so nothing here is a socket or a byte of
// framing.
//
// Why two techniques: the HTTP/1.1 request loop is a template over the stream type
// (Beast's parser and serializer need a concrete AsyncStream), instantiated for the plain and
// the TLS stream in one TU. The SSE subscription is a large stateful class spread over two
// TUs that needs only a few operations, one gather write per batch of frames: a virtual call per
// write costs nothing next to the syscall, and keeps the subscription (and its TUs) free of the
// stream type instead of compiling all of it twice. The write takes a type-erased completion
// handler (not a coroutine: no frame per write); handlers carry the caller's cancellation slot
// into the stream operation. The peer watch's read takes a completion handler too: a coroutine
// waiting on it would keep its frames (and a coroutine thread) alive for as long as the
// connection is open, most of what an idle SSE connection costs.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <span>
#include <vector>

#include "http/message.hpp"

namespace sse::http {

class sse_transport {
 public:
  /// The buffers are viewed, not copied (Asio's write operation keeps a copy of the sequence it
  /// is given, which for a vector is an allocation per write).
  using buffer_view = std::span<const boost::asio::const_buffer>;

  using write_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using read_handler = write_handler;

  /// Awaitable forms of start_head() and start_body().
  template <class Token>
  auto async_write_head(const stream_head& head, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, &head](auto handler) { start_head(head, std::move(handler)); }, token);
  }
  template <class Token>
  auto async_write(buffer_view body, bool last, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, body, last](auto handler) { start_body(body, last, std::move(handler)); }, token);
  }
  /// Awaitable form of start_read().
  template <class Token>
  auto async_read_some(boost::asio::mutable_buffer buffer, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, buffer](auto handler) { start_read(buffer, std::move(handler)); }, token);
  }

  /// Writes the answer's head (once, before any body; `head` is read before this returns).
  /// The count is of bytes written. Worker thread; at most one write at a time.
  virtual void start_head(const stream_head& head, write_handler handler) = 0;
  /// Sets the answer's head (instead of start_head()): it goes out with the first start_body(),
  /// in the same write. `head` is read before this returns. An SSE subscription always has a
  /// first body write at once (its `retry:` line), so the head is not delayed, and a resume's
  /// head and replay cost one syscall and one trip through the worker's queue, not two.
  virtual void set_head(const stream_head& head) = 0;
  /// Writes `body` (kept alive by the caller until it completes) as the next bytes of the
  /// answer's body, all of them in one write with whatever the framing puts around them; `last`:
  /// the body ends after them (`body` may then be empty). The count is of `body`'s bytes written,
  /// also on error (the framing's own bytes are not counted). Worker thread; at most one write
  /// at a time. A completion handler rather than an awaitable: a virtual coroutine is a frame
  /// allocated per call, and this is called once per delivered batch (any_completion_handler
  /// takes Asio's recycling allocator, so a steady stream of writes allocates nothing).
  virtual void start_body(buffer_view body, bool last, write_handler handler) = 0;
  /// The subscription now queues `bytes` of frames behind its current write (what the write
  /// will carry next). HTTP/2 counts them in its connection's queued-bytes bound; HTTP/1.1 has
  /// one stream per connection, bounded by --max-queue-bytes alone. Worker thread.
  virtual void queued(std::size_t /*bytes*/) noexcept {}
  /// Reads some bytes (the peer watch; `buffer` stays alive until the handler runs). At most one
  /// read at a time, concurrent with a write. The handler never runs inside this call.
  virtual void start_read(boost::asio::mutable_buffer buffer, read_handler handler) = 0;
  /// Ends a pending start_read() with operation_aborted (the writer is finished and stops the
  /// peer watch). Nothing is being written when it is called.
  virtual void cancel_read() noexcept = 0;
  /// The executor of the worker the subscription runs on (its timers use it).
  virtual boost::asio::any_io_executor get_executor() noexcept = 0;
  /// Ends the transport at once (a slow client): every pending read and write fails. HTTP/1.1
  /// closes the socket.
  virtual void abort() noexcept = 0;

 protected:
  ~sse_transport() = default;
};

}  // namespace sse::http
