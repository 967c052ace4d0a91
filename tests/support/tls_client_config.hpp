#pragma once
// TLS for the harness's HTTP and SSE clients: whom to trust and what to offer. No
// Asio in this header.

#include <string>
#include <vector>

namespace sse::test {

struct tls_client_config {
  /// Trusted certificates, PEM (a test's self-signed certificate or its CA). The server's
  /// chain is verified against them.
  std::string ca_pem;
  /// Checked against the certificate (an IP literal checks an IP SAN) and sent as SNI when it
  /// is a name. Empty: the host the client connects to.
  std::string server_name;
  /// ALPN protocols offered, in order of preference; empty: no ALPN extension.
  std::vector<std::string> alpn{"http/1.1"};
};

}  // namespace sse::test
