#pragma once
// One SSE subscription over HTTP/1.1 for the tools: connect, GET with Last-Event-ID, read the
// answer's head, then the body (chunked or not) through stream::sse_parser. No timers of its
// own, so that ten thousand of them cost no timer churn: the owner watches deadlines and calls
// abort(), which also serves as the abrupt cut (RST) of the resume test.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "stream/sse_parser.hpp"

namespace sse::tools {

/// Thread safety: one coroutine at a time on the executor given at construction; abort() may
/// also be called from that executor while a read is pending.
class sse_connection {
 public:
  explicit sse_connection(boost::asio::any_io_executor ex);
  ~sse_connection();
  sse_connection(const sse_connection&) = delete;
  sse_connection& operator=(const sse_connection&) = delete;

  /// Connects, sends `GET target` with `Accept: text/event-stream` (and `Last-Event-ID` when
  /// not empty) and reads the answer's head. Returns the HTTP status. Errors: the socket's.
  boost::asio::awaitable<result<unsigned>> open(boost::asio::ip::tcp::endpoint server,
                                                std::string_view target,
                                                std::string_view last_event_id);

  /// Reads what arrives next and returns the events it completed (possibly none: a heartbeat
  /// or part of an event). Errors: boost::beast::http::error::end_of_stream once the answer is
  /// complete (after the final chunk), else the socket's (operation_aborted after abort()).
  boost::asio::awaitable<result<std::vector<stream::parsed_event>>> read_events();

  /// Closes at once with SO_LINGER 0, so the gateway sees a reset and no goodbye. Idempotent.
  void abort() noexcept;

  bool is_open() const noexcept;

  /// Binds every later open() to this loopback source address (see common/source_bind.hpp);
  /// the unspecified address (the default) lets the kernel choose.
  void set_source(boost::asio::ip::address_v4 source) noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sse::tools
