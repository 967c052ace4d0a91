#pragma once
// Self-signed certificates made in the test with the OpenSSL API (no openssl command, no files
// checked in): a P-256 or RSA key and an X.509 v3 certificate for 127.0.0.1 and localhost.

#include <filesystem>
#include <string>

namespace sse::test {

struct self_signed {
  std::string cert_pem;  ///< the certificate, PEM (also what a client trusts)
  std::string key_pem;   ///< its private key, PEM (PKCS#8, unencrypted)
};

/// The certificate's key. RSA matters to cipher tests: only an RSA certificate lets a server
/// pick the suites without forward secrecy (static RSA key exchange), so only against one can a
/// test see that the server refuses them.
enum class key_kind { p256, rsa2048 };

/// A fresh key and a certificate with CN `common_name`, SAN IP:127.0.0.1 and DNS:localhost,
/// valid from an hour ago for a day. Throws std::runtime_error when OpenSSL fails.
self_signed make_self_signed(const std::string& common_name = "sse-gateway test",
                             key_kind kind = key_kind::p256);

/// Writes `text` to `path` (truncating). Throws std::runtime_error on failure.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace sse::test
