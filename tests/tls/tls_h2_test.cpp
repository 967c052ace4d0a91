// HTTP/2 over TLS: ALPN offers `h2` (and `http/1.1`), curl --http2 gets h2 for the API and for
// SSE; with --http2 off the same client gets HTTP/1.1.

#include <gtest/gtest.h>

#include "tls_fixture.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

/// curl --http2 (ALPN h2, falling back to http/1.1); the output ends with a line
/// "<http_version> <status>".
const std::vector<std::string> h2_flags{"--http2", "-w", "\n%{http_version} %{http_code}"};

TEST_F(tls_test, alpn_chooses_h2_for_the_api_and_for_sse) {
  start();
  append("tls-h2", "one");
  append("tls-h2", "two");
  ASSERT_EQ(https().request("POST", "/v1/streams/tls-h2/end", "{}").status, 200);
  const std::string status = curl_https("/v1/streams/tls-h2", h2_flags);
  EXPECT_TRUE(status.ends_with("\n2 200")) << status;
  EXPECT_NE(status.find("\"status\":\"completed\""), std::string::npos) << status;
  const std::string events = curl_https("/v1/streams/tls-h2/events", h2_flags);
  EXPECT_TRUE(events.ends_with("\n2 200")) << events;
  EXPECT_NE(events.find("data: one\n"), std::string::npos) << events;
  EXPECT_NE(events.find("data: two\n"), std::string::npos) << events;
  EXPECT_NE(events.find("event: end\n"), std::string::npos) << events;
}

TEST_F(tls_test, with_http2_off_alpn_chooses_http11) {
  start({"--http2", "off"});
  const std::string out = curl_https("/healthz", h2_flags);
  EXPECT_TRUE(out.ends_with("\n1.1 200")) << out;
}

}  // namespace
}  // namespace sse::test
