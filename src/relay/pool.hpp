#pragma once
// Keep-alive connections to upstream hosts, so that the calls of a conversation do not each pay
// a TCP and TLS handshake.
//
// Keyed by scheme, host and port (the host is also the TLS SNI and the name verified), and by
// worker: a connection stays on the executor it was made on (a worker's state is touched only from
// its own thread), so a call only gets a connection made on its own worker. A connection is given
// back only after a cleanly finished response (the whole body read, no `Connection: close`); one
// that has been idle past the idle timeout, or beyond the per-host limit, is closed.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "relay/route.hpp"

namespace sse::relay {

/// One upstream connection, plain or TLS. Used by one call at a time, on its executor.
class upstream_connection {
 public:
  /// A plain connection, or a TLS one with `tls`, not yet connected.
  upstream_connection(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls);

  bool is_tls() const noexcept { return secure_.has_value(); }
  boost::beast::tcp_stream& lowest() noexcept;
  boost::beast::tcp_stream& plain() noexcept { return *plain_; }
  boost::beast::ssl_stream<boost::beast::tcp_stream>& secure() noexcept { return *secure_; }
  const boost::asio::any_io_executor& executor() const noexcept { return ex_; }
  /// Closes the socket (cancels what is pending on it). On its executor.
  void close() noexcept;

 private:
  boost::asio::any_io_executor ex_;
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> secure_;
};

struct pool_limits {
  std::size_t max_idle_per_host = 8;  ///< per worker; 0 turns reuse off
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
};

/// Thread-safe.
class upstream_pool {
 public:
  /// Idle time is read on `clock` (not owned, it must outlive the pool; null: the process's
  /// steady clock).
  explicit upstream_pool(pool_limits limits = {}, const core::monotonic_clock* clock = nullptr)
      : limits_(limits), clock_(clock != nullptr ? *clock : own_clock_) {}
  ~upstream_pool();
  upstream_pool(const upstream_pool&) = delete;
  upstream_pool& operator=(const upstream_pool&) = delete;

  /// "scheme://host:port": connections to one key are interchangeable.
  static std::string key_of(const upstream_url& url);

  /// The most recently used idle connection to `key` made on `ex`, or nullptr.
  std::unique_ptr<upstream_connection> take(const std::string& key,
                                            const boost::asio::any_io_executor& ex);
  /// Keeps `c` (whose last response finished cleanly) for the next call to `key`.
  void give_back(const std::string& key, std::unique_ptr<upstream_connection> c);

  std::size_t idle() const;
  /// Connections opened, taken again from the pool, and replaced after a pooled one turned out
  /// to be closed before answering. Any thread.
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> stale_retries{0};

 private:
  struct entry {
    std::string key;
    std::unique_ptr<upstream_connection> c;
    core::steady_time_point since;
  };
  /// Drops entries idle past the timeout (lock held); closes them on their executors.
  void prune_locked(core::steady_time_point now);
  static void dispose(std::unique_ptr<upstream_connection> c);

  const pool_limits limits_;
  core::steady_clock own_clock_;
  const core::monotonic_clock& clock_;
  mutable std::mutex mu_;
  std::deque<entry> idle_;  // oldest first
};

}  // namespace sse::relay
