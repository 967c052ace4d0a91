#include "tls_connect.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <stdexcept>

#include "asio_run.hpp"

namespace sse::test::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_context(const tls_client_config& config) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->add_certificate_authority(net::buffer(config.ca_pem), ec);
  if (ec) {
    throw std::runtime_error("tls client: cannot load the trusted PEM: " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  if (!config.alpn.empty()) {
    std::string wire;
    for (const auto& p : config.alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    // Returns 0 on success (unlike most of OpenSSL).
    if (SSL_CTX_set_alpn_protos(ctx->native_handle(),
                                reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned>(wire.size())) != 0) {
      throw std::runtime_error("tls client: cannot set ALPN");
    }
  }
  return ctx;
}

void tls_handshake(net::io_context& io, tls_socket_stream& stream, const tls_client_config& config,
                   const std::string& host, std::chrono::milliseconds timeout) {
  const std::string name = config.server_name.empty() ? host : config.server_name;
  boost::system::error_code ec;
  net::ip::make_address(name, ec);
  if (ec) {
    // A name (not an IP literal): send it as SNI.
    SSL_set_tlsext_host_name(stream.native_handle(), name.c_str());
  }
  stream.set_verify_callback(ssl::host_name_verification(name));
  bool done = false;
  boost::system::error_code result;
  stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
    result = e;
    done = true;
  });
  if (!run_until(io, stream.next_layer(), done, timeout)) {
    throw std::runtime_error("tls client: handshake with " + name + " timed out");
  }
  if (result) {
    ERR_clear_error();
    throw std::runtime_error("tls client: handshake with " + name + " failed: " + result.message());
  }
}

std::string negotiated_alpn(tls_socket_stream& stream) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &data, &len);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), len);
}

}  // namespace sse::test::detail
