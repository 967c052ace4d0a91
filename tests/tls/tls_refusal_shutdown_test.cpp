// A connection refused at accept (past --max-connections) is owned by the server like a served
// one: shutdown waits for it, and a TLS handshake still under way is cut when shutdown begins.
// In process (app::gateway), so that the test can look between stop() returning and the
// gateway's destruction: a refusal nobody owned would still hold its socket there, its
// coroutine parked on a stopped worker.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "app/gateway.hpp"
#include "bounded_wait.hpp"
#include "http_client.hpp"
#include "self_signed.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

TEST(tls_refusal_shutdown, a_refused_connection_in_its_tls_handshake_is_closed_by_stop) {
  temp_dir dir("sse-tls-refusal");
  const auto cert = make_self_signed();
  const auto cert_file = dir.path() / "cert.pem";
  const auto key_file = dir.path() / "key.pem";
  write_text_file(cert_file, cert.cert_pem);
  write_text_file(key_file, cert.key_pem);

  config::config cfg;
  cfg.listen_host = "127.0.0.1";
  cfg.listen_port = 0;
  cfg.threads = 2;
  cfg.telemetry = "none";
  cfg.tls_cert = cert_file.string();
  cfg.tls_key = key_file.string();
  cfg.max_connections = 1;
  // Long enough that only shutdown can end the handshakes below within the test's bounds.
  cfg.header_timeout = 60s;
  cfg.request_timeout = 60s;
  cfg.shutdown_grace = 2s;
  app::gateway g(cfg);
  g.start();

  http_client plain("127.0.0.1", g.port());
  auto served = plain.raw_connect();  // takes the one place, silent in its handshake
  ASSERT_TRUE(bounded_wait([&] { return g.open_connections() == 1; }, 5s));
  auto refused = plain.raw_connect();  // past the limit: refused, and silent too
  ASSERT_TRUE(bounded_wait([&] { return g.refusals_in_flight() == 1; }, 5s))
      << "the refusal is counted while its handshake is under way";
  EXPECT_FALSE(refused.wait_closed(300ms)) << "closed before shutdown: " << refused.received();

  const auto begun = std::chrono::steady_clock::now();
  g.stop();
  const auto took = std::chrono::steady_clock::now() - begun;
  EXPECT_LT(took, cfg.shutdown_grace) << "shutdown waited out the grace for a handshake";
  EXPECT_EQ(g.refusals_in_flight(), 0u);
  EXPECT_EQ(g.open_connections(), 0u);
  // The gateway still exists: only the refusal's owner can have closed this socket.
  EXPECT_TRUE(refused.wait_closed(2s)) << "the refused connection outlived stop()";
  EXPECT_TRUE(served.wait_closed(2s));
  EXPECT_EQ(refused.received(), "") << "no answer can be written before a handshake";
}

}  // namespace
}  // namespace sse::test
