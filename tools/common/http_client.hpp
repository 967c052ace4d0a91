#pragma once
// A small HTTP/1.1 client for the tools' producers: one kept-alive connection, one request at a
// time (no pipelining), coroutine style. Beast stays inside http_client.cpp (its compile time is
// paid once).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace sse::tools {

struct http_answer {
  unsigned status = 0;
  std::string body;
};

/// Thread safety: one coroutine at a time, on the executor given at construction.
class http_client {
 public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  http_client(boost::asio::any_io_executor ex, boost::asio::ip::tcp::endpoint server);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request on the kept-alive connection (connecting first when there is none) and
  /// reads the whole answer. Errors: the socket's error_code (boost::beast::error::timeout when
  /// `timeout` passed); after any error the connection is closed and the next call reconnects.
  /// `headers` is taken by value: a coroutine started with co_spawn outlives the caller's
  /// temporaries (method and content_type must stay alive until it completes).
  boost::asio::awaitable<result<http_answer>> request(std::string_view method, std::string target,
                                                      std::string body,
                                                      std::string_view content_type,
                                                      std::chrono::milliseconds timeout,
                                                      header_list headers = {});

  /// Closes the connection (the next request reconnects).
  void close() noexcept;

  /// Binds every later connect to this loopback source address (see common/source_bind.hpp);
  /// the unspecified address (the default) lets the kernel choose.
  void set_source(boost::asio::ip::address_v4 source) noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sse::tools
