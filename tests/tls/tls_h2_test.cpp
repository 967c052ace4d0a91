// HTTP/2 over TLS: ALPN offers `h2` (and `http/1.1`), curl --http2 gets h2 for the API and for
// SSE; with --http2 off the same client gets HTTP/1.1.

#include <gtest/gtest.h>

#include "common/child_process.hpp"
#include "tls_fixture.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

/// curl --http2 (ALPN h2, falling back to http/1.1) trusting the fixture's certificate; the
/// output ends with a line "<http_version> <status>".
std::string curl_https(const std::filesystem::path& ca, std::uint16_t port,
                       const std::string& target) {
  tools::child_options o;
  o.program = "curl";
  o.args = {"-s",
            "--http2",
            "--cacert",
            ca.string(),
            "--max-time",
            "20",
            "-w",
            "\n%{http_version} %{http_code}",
            "--resolve",
            "localhost:" + std::to_string(port) + ":127.0.0.1",
            "https://localhost:" + std::to_string(port) + target};
  o.name = "curl";
  tools::child_process p(std::move(o));
  if (!p.wait_exit(30s)) {
    p.kill_and_wait();
    ADD_FAILURE() << "curl did not finish";
  }
  EXPECT_EQ(p.exit_code(), 0) << p.stderr_text();
  return p.stdout_text();
}

TEST_F(tls_test, alpn_chooses_h2_for_the_api_and_for_sse) {
  start();
  append("tls-h2", "one");
  append("tls-h2", "two");
  ASSERT_EQ(https().request("POST", "/v1/streams/tls-h2/end", "{}").status, 200);
  const std::string status = curl_https(cert_file_, gw().port(), "/v1/streams/tls-h2");
  EXPECT_TRUE(status.ends_with("\n2 200")) << status;
  EXPECT_NE(status.find("\"status\":\"completed\""), std::string::npos) << status;
  const std::string events = curl_https(cert_file_, gw().port(), "/v1/streams/tls-h2/events");
  EXPECT_TRUE(events.ends_with("\n2 200")) << events;
  EXPECT_NE(events.find("data: one\n"), std::string::npos) << events;
  EXPECT_NE(events.find("data: two\n"), std::string::npos) << events;
  EXPECT_NE(events.find("event: end\n"), std::string::npos) << events;
}

TEST_F(tls_test, with_http2_off_alpn_chooses_http11) {
  start({"--http2", "off"});
  const std::string out = curl_https(cert_file_, gw().port(), "/healthz");
  EXPECT_TRUE(out.ends_with("\n1.1 200")) << out;
}

}  // namespace
}  // namespace sse::test
