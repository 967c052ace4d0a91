#pragma once
// A TLS fake upstream for the relay tests: a self-signed CA made with the openssl command in a
// temp folder, a server certificate signed by it, and an Asio TLS server on 127.0.0.1 that
// answers every request with `tokens` SSE events.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace sse::relay::test {

/// A CA and one server certificate for `san` (e.g. "IP:127.0.0.1" or "DNS:wrong.example").
struct test_pki {
  std::filesystem::path dir;
  std::string ca_pem;  ///< the CA certificate, PEM
  std::filesystem::path server_cert;
  std::filesystem::path server_key;
  bool ok = false;  ///< false: the openssl command failed (see dir/openssl.log)
};

/// Makes the files in `dir` (which must exist).
test_pki make_test_pki(const std::filesystem::path& dir, const std::string& san);

class tls_upstream {
 public:
  /// keep_alive: answers chunked and serves further requests on the connection (else
  /// `Connection: close`, the body ending with the connection).
  tls_upstream(const test_pki& pki, int tokens, bool keep_alive = false);
  ~tls_upstream();
  tls_upstream(const tls_upstream&) = delete;
  tls_upstream& operator=(const tls_upstream&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  int handshakes_done() const noexcept { return handshakes_.load(); }
  /// Requests answered (over every connection).
  int requests_served() const noexcept { return served_.load(); }
  /// The last request head received (after a successful handshake).
  std::string last_request() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  std::atomic<int> handshakes_{0};
  std::atomic<int> served_{0};
};

}  // namespace sse::relay::test
