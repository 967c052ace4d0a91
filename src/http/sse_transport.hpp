#pragma once
// The connection an SSE subscription writes to and watches: plain TCP or TLS (private to
// src/http).
//
// Why two techniques: the request loop in session.cpp is a template over the stream type
// (Beast's parser and serializer need a concrete AsyncStream), instantiated for the plain and
// the TLS stream in that one TU. The SSE subscription is a large stateful class spread over two
// TUs that needs only three operations, one gather write per batch of frames: a virtual call per
// write costs nothing next to the syscall, and keeps the subscription (and its TUs) free of the
// stream type instead of compiling all of it twice. The write takes a type-erased completion
// handler (not a coroutine: no frame per write); handlers carry the caller's cancellation slot
// into the stream operation, so `writer || watch_peer` still cancels a pending read or write.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <span>
#include <tuple>
#include <vector>

namespace sse::http {

class sse_transport {
 public:
  /// The buffers are viewed, not copied (Asio's write operation keeps a copy of the sequence it
  /// is given, which for a vector is an allocation per write).
  using buffer_view = std::span<const boost::asio::const_buffer>;

  template <class Token>
  auto async_write(buffer_view buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this, buffers](auto handler) { start_write(buffers, std::move(handler)); }, token);
  }

  using io_result = std::tuple<boost::system::error_code, std::size_t>;

  using write_handler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;

  /// Writes every byte of `buffers` (kept alive by the caller until it completes); the count is
  /// of bytes written, also on error. Worker thread; at most one write at a time. A completion
  /// handler rather than an awaitable: a virtual coroutine is a frame allocated per call, and
  /// this is called once per delivered batch (any_completion_handler takes Asio's recycling
  /// allocator, so a steady stream of writes allocates nothing). async_write() below awaits it.
  virtual void start_write(buffer_view buffers, write_handler handler) = 0;
  /// Reads some bytes (the peer watch). At most one read at a time, concurrent with a write.
  virtual boost::asio::awaitable<io_result> read_some(boost::asio::mutable_buffer buffer) = 0;
  /// The TCP socket underneath: closing it fails every pending operation at once.
  virtual boost::asio::ip::tcp::socket& socket() noexcept = 0;

 protected:
  ~sse_transport() = default;
};

}  // namespace sse::http
