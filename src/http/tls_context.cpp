#include "http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fstream>

namespace sse::http {
namespace {

namespace ssl = boost::asio::ssl;

/// TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD ciphers only, for ECDSA and
/// RSA certificates. TLS 1.3 keeps OpenSSL's defaults, which are all of that kind already.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// ALPN (RFC 7301): `h2` first when HTTP/2 is on (arg non-null), then `http/1.1`. A client that
/// offers neither gets no ALPN answer (rather than a fatal alert) and may still try HTTP/1.1.
int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_len,
                const unsigned char* in, unsigned int in_len, void* arg) {
  static constexpr unsigned char with_h2[] = {2,   'h', '2', 8,   'h', 't',
                                              't', 'p', '/', '1', '.', '1'};
  static constexpr unsigned char h1_only[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  const bool h2 = arg != nullptr;
  unsigned char* selected = nullptr;
  unsigned char selected_len = 0;
  if (SSL_select_next_proto(&selected, &selected_len, h2 ? with_h2 : h1_only,
                            h2 ? sizeof(with_h2) : sizeof(h1_only), in,
                            in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  *out_len = selected_len;
  return SSL_TLSEXT_ERR_OK;
}

/// OpenSSL's reason for the last failure (its error queue), else the error_code's text.
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reason = ec.message();
  ERR_clear_error();
  return reason;
}

bool readable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in.good() && in.peek() != std::ifstream::traits_type::eof();
}

/// OpenSSL compares the key with the loaded certificate as it loads it: a key of the right
/// type that belongs to another certificate fails there, not in SSL_CTX_check_private_key.
bool is_key_mismatch(const boost::system::error_code& ec) {
  if (ec.category() != boost::asio::error::get_ssl_category()) {
    return false;
  }
  const auto code = static_cast<unsigned long>(ec.value());
  return ERR_GET_LIB(code) == ERR_LIB_X509 && (ERR_GET_REASON(code) == X509_R_KEY_VALUES_MISMATCH ||
                                               ERR_GET_REASON(code) == X509_R_KEY_TYPE_MISMATCH);
}

tls_context_result failure(std::string text) {
  return tls_context_result{nullptr, "TLS: " + std::move(text)};
}

}  // namespace

tls_context_result make_server_tls_context(const std::string& cert_file,
                                           const std::string& key_file, bool http2) {
  if (cert_file.empty() || key_file.empty()) {
    return failure("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither");
  }
  if (!readable(cert_file)) {
    return failure("cannot read the certificate file " + cert_file +
                   " (--tls-cert): missing, unreadable or empty");
  }
  if (!readable(key_file)) {
    return failure("cannot read the private key file " + key_file +
                   " (--tls-key): missing, unreadable or empty");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle SSE connection keeps no read/write buffers: thousands of them stay cheap.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) {
    ERR_clear_error();
    return failure("OpenSSL accepts none of the TLS 1.2 cipher suites");
  }
  // Any non-null pointer says "h2 too" (the callback reads no more of it).
  static int h2_on = 1;
  SSL_CTX_set_alpn_select_cb(native, select_alpn, http2 ? &h2_on : nullptr);
  // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
  ctx->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); }, ec);

  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return failure("cannot load the certificate chain from " + cert_file +
                   " (--tls-cert, PEM expected): " + openssl_reason(ec));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && is_key_mismatch(ec)) {
    ERR_clear_error();
    return failure("the private key " + key_file + " does not match the certificate " + cert_file);
  }
  if (ec) {
    return failure("cannot load the private key from " + key_file +
                   " (--tls-key, unencrypted PEM expected): " + openssl_reason(ec));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return failure("the private key " + key_file + " does not match the certificate " + cert_file);
  }
  return tls_context_result{std::move(ctx), {}};
}

}  // namespace sse::http
