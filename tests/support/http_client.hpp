#pragma once
// A blocking HTTP/1.1 client for tests, over Asio + Beast (Beast stays in the .cpp). Every call
// has a timeout; failures to connect, write or read in time throw std::runtime_error with the
// reason, which gtest reports as a test failure.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http_types.hpp"
#include "tls_client_config.hpp"

namespace boost::asio {
class io_context;
}

namespace sse::test {

/// A raw TCP connection to hold open idle, or to send arbitrary (malformed) bytes on.
/// Thread safety: one thread at a time; all connections of one http_client share its I/O loop,
/// so use them from the client's thread.
class raw_connection {
 public:
  raw_connection(raw_connection&&) noexcept;
  raw_connection& operator=(raw_connection&&) noexcept;
  ~raw_connection();

  /// Writes all bytes. False when the write failed (peer closed) or timed out.
  bool send(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Reads what arrives until the peer closes or `timeout` passes; returns those bytes.
  std::string receive(std::chrono::milliseconds timeout);
  /// Reads until the bytes received by this call contain `marker`, the peer closes or `timeout`
  /// passes; returns the bytes received by this call.
  std::string receive_until(std::string_view marker, std::chrono::milliseconds timeout);
  /// Reads (keeping the bytes, see received()) until the peer closes the connection or `timeout`
  /// passes. True when the peer closed (EOF or reset).
  bool wait_closed(std::chrono::milliseconds timeout);
  /// Everything received so far by receive() / wait_closed().
  const std::string& received() const noexcept { return received_; }
  bool closed_by_peer() const noexcept { return peer_closed_; }
  /// SO_LINGER 0 then close: the peer sees a reset.
  void close_abruptly() noexcept;
  void close() noexcept;
  bool is_open() const noexcept;
  /// SO_RCVBUF of the socket.
  void set_receive_buffer(int bytes);

 private:
  friend class http_client;
  struct impl;
  explicit raw_connection(std::unique_ptr<impl> p);
  bool read_some(std::chrono::milliseconds timeout);
  std::unique_ptr<impl> impl_;
  std::string received_;
  bool peer_closed_ = false;
};

/// Thread safety: one thread at a time (make one client per thread).
class http_client {
 public:
  /// Does not connect yet. `timeout` bounds every request (connect, write and read together).
  http_client(std::string host, std::uint16_t port,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// Speaks HTTPS: each new connection handshakes (verifying the server against tls.ca_pem)
  /// within the request's timeout. raw_connect() stays plain TCP (for bytes that are not TLS).
  http_client(std::string host, std::uint16_t port, tls_client_config tls,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request and reads the whole response. Reuses the previous keep-alive
  /// connection when the server kept it open (and retries once on a fresh connection when the
  /// server had closed it before answering). `headers` may set Content-Type etc.; Host and
  /// Content-Length are set automatically.
  http_response request(std::string_view method, std::string_view target, std::string body = {},
                        const header_list& headers = {});

  http_response get(std::string_view target, const header_list& headers = {});
  http_response del(std::string_view target, const header_list& headers = {});
  http_response put(std::string_view target, std::string body = {},
                    const header_list& headers = {});
  /// POST with Content-Type `content_type` (unless headers set one).
  http_response post(std::string_view target, std::string body,
                     std::string_view content_type = "application/json",
                     const header_list& headers = {});

  /// Opens a fresh connection, writes `bytes` as they are, and returns everything the server
  /// sends until it closes the connection or `timeout` passes.
  std::string raw_exchange(std::string bytes, std::chrono::milliseconds timeout);

  /// A fresh connected socket (nothing sent).
  raw_connection raw_connect();

  /// Closes the keep-alive connection, if any.
  void close() noexcept;

  /// HTTPS only: the ALPN protocol the server selected on the current (or last) connection.
  std::string negotiated_alpn() const;

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  struct impl;
  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<boost::asio::io_context> io_;
  std::unique_ptr<impl> impl_;
};

}  // namespace sse::test
