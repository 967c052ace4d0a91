#pragma once
// Server-side TLS (--tls-cert/--tls-key): the one OpenSSL context every HTTPS connection of the
// process shares. Built once at startup; read-only afterwards, so any worker may use it.

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace sse::http {

struct tls_context_result {
  std::shared_ptr<boost::asio::ssl::context> context;  ///< null on error
  std::string error;  ///< one line naming the file and OpenSSL's reason; empty on success
};

/// Loads a PEM certificate chain (leaf first) and its PEM private key. TLS 1.2 and 1.3 only;
/// TLS 1.2 limited to ECDHE with AES-GCM or ChaCha20-Poly1305 (forward secrecy, AEAD), TLS 1.3
/// with OpenSSL's default suites; ALPN answers `h2` (with `http2`, when the client offers it)
/// or `http/1.1`; no renegotiation. Fails (with
/// `error`) when a file is missing or unreadable, is not PEM, the key is encrypted, or the key
/// does not belong to the certificate. Startup only (reads files).
tls_context_result make_server_tls_context(const std::string& cert_file,
                                           const std::string& key_file, bool http2 = false);

}  // namespace sse::http
