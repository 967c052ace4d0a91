#pragma once
// The connection an SSE subscription writes to and watches: plain TCP or TLS (private to
// src/http).
//
// Why two techniques: the request loop in session.cpp is a template over the stream type
// (Beast's parser and serializer need a concrete AsyncStream), instantiated for the plain and
// the TLS stream in that one TU. The SSE subscription is a large stateful class spread over two
// TUs that needs only three operations, one gather write per batch of frames: a virtual call and
// a coroutine frame per write cost nothing next to the syscall, and keep the subscription (and
// its TUs) free of the stream type instead of compiling all of it twice. Coroutines carry the
// caller's cancellation slot into the stream operation, so `writer || watch_peer` still
// cancels a pending read or write.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <tuple>
#include <vector>

namespace sse::http {

class sse_transport {
 public:
  using io_result = std::tuple<boost::system::error_code, std::size_t>;

  /// Writes every byte of `buffers` (kept alive by the caller until it completes); the count is
  /// of bytes written, also on error. Worker thread; at most one write at a time.
  virtual boost::asio::awaitable<io_result> write(
      const std::vector<boost::asio::const_buffer>& buffers) = 0;
  /// Reads some bytes (the peer watch). At most one read at a time, concurrent with a write.
  virtual boost::asio::awaitable<io_result> read_some(boost::asio::mutable_buffer buffer) = 0;
  /// The TCP socket underneath: closing it fails every pending operation at once.
  virtual boost::asio::ip::tcp::socket& socket() noexcept = 0;

 protected:
  ~sse_transport() = default;
};

}  // namespace sse::http
