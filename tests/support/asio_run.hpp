#pragma once
// Internal to the harness: turn one Asio async operation into a blocking call with a deadline.
// Only .cpp files of tests/support include this.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

namespace sse::test::detail {

namespace net = boost::asio;

/// Runs `io` until `done` is set by the operation's handler or `timeout` passes. On timeout the
/// socket's operations are cancelled and the cancelled handler is run (so `done` is set on
/// return either way). Returns false on timeout.
inline bool run_until(net::io_context& io, net::ip::tcp::socket& socket, const bool& done,
                      std::chrono::milliseconds timeout) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_until(deadline) == 0 && io.stopped()) {
      break;
    }
  }
  if (done) {
    return true;
  }
  boost::system::error_code ignored;
  socket.cancel(ignored);
  io.restart();
  // Cancellation completes the handler promptly; the bound only guards against a harness bug.
  const auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done && std::chrono::steady_clock::now() < drain_deadline) {
    if (io.run_one_until(drain_deadline) == 0 && io.stopped()) {
      break;
    }
  }
  return false;
}

}  // namespace sse::test::detail
