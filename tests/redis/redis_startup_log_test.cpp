// What the real gateway tells the operator about its Redis store on stderr: the start-up line
// names the store address (password redacted) and the access-control mode; starting against a
// Redis that is not there, or with a wrong password, names the address and the reason; an
// outage names the store and then why reconnecting fails.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "bounded_wait.hpp"
#include "free_port.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"

namespace sse::store::redis_test {
namespace {

using namespace std::chrono_literals;
using test::gateway_process;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::unique_ptr<gateway_process> start_gateway(const std::string& store) {
  test::gateway_options o;
  o.args = {"--store", store, "--auth", "none"};
  return std::make_unique<gateway_process>(o);
}

/// Waits (bounded) until the gateway's stderr holds `part`.
bool wait_stderr(gateway_process& gw, const std::string& part,
                 std::chrono::milliseconds timeout = 10s) {
  return test::bounded_wait([&] { return contains(gw.stderr_text(), part); }, timeout);
}

std::string all_output(gateway_process& gw) {
  std::ifstream in(gw.telemetry_path());
  std::stringstream text;
  text << in.rdbuf();
  return gw.stderr_text() + gw.stdout_text() + text.str();
}

TEST(redis_startup_log, startup_line_names_the_store_with_its_password_redacted) {
  test::redis_server redis;
  ASSERT_EQ(redis.command("CONFIG", "SET", "requirepass", "s3cretpw").str, "OK");
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  auto gw = start_gateway("redis://:s3cretpw@" + where);
  ASSERT_TRUE(wait_stderr(*gw, "sse-gateway listening on")) << gw->diagnostics();
  EXPECT_TRUE(contains(gw->stderr_text(), "store redis://:***@" + where + ","))
      << gw->stderr_text();
  EXPECT_TRUE(contains(gw->stderr_text(), "access control OFF (--auth none)")) << gw->stderr_text();
  test::http_client http(gw->host(), gw->port());
  EXPECT_EQ(http.get("/readyz").status, 200);
  gw->stop();
  EXPECT_FALSE(contains(all_output(*gw), "s3cretpw")) << gw->stderr_text();
}

TEST(redis_startup_log, wrong_password_is_named_with_the_address) {
  test::redis_server redis;
  ASSERT_EQ(redis.command("CONFIG", "SET", "requirepass", "right-one").str, "OK");
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  auto gw = start_gateway("redis://:wrongpw@" + where);
  ASSERT_TRUE(wait_stderr(*gw, "is not available yet")) << gw->diagnostics();
  const std::string err = gw->stderr_text();
  EXPECT_TRUE(contains(err, "redis " + where + ": authentication failed")) << err;
  EXPECT_TRUE(contains(err, "the store redis://:***@" + where + " is not available yet (" + where +
                                ": authentication failed"))
      << err;
  gw->stop();
  EXPECT_FALSE(contains(all_output(*gw), "wrongpw")) << err;
}

TEST(redis_startup_log, no_redis_there_says_which_address_and_why) {
  const std::string where = "127.0.0.1:" + std::to_string(test::free_port());
  auto gw = start_gateway("redis://" + where);
  ASSERT_TRUE(wait_stderr(*gw, "is not available yet")) << gw->diagnostics();
  const std::string err = gw->stderr_text();
  EXPECT_TRUE(contains(err, "the store redis://" + where + " is not available yet (" + where +
                                ": cannot connect: Connection refused)"))
      << err;
  // Logged once per reason, not at every reconnect attempt of every connection.
  std::this_thread::sleep_for(1s);
  const std::string later = gw->stderr_text();
  std::size_t n = 0;
  for (auto at = later.find("cannot connect"); at != std::string::npos;
       at = later.find("cannot connect", at + 1)) {
    ++n;
  }
  EXPECT_LE(n, 3u) << later;
}

TEST(redis_startup_log, a_redis_that_does_not_answer_is_a_timeout) {
  test::redis_server redis;
  redis.pause();  // SIGSTOP: the kernel still accepts the connection, nothing answers
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  auto gw = start_gateway("redis://" + where);
  ASSERT_TRUE(wait_stderr(*gw, "is not available yet")) << gw->diagnostics();
  EXPECT_TRUE(contains(gw->stderr_text(), "(" + where + ": no answer to the handshake"))
      << gw->stderr_text();
  redis.resume();
}

TEST(redis_startup_log, an_outage_names_the_store_and_why_reconnecting_fails) {
  test::redis_server redis;
  const std::string where = "127.0.0.1:" + std::to_string(redis.port());
  auto gw = start_gateway("redis://" + where);
  ASSERT_TRUE(wait_stderr(*gw, "sse-gateway listening on")) << gw->diagnostics();
  redis.stop();
  ASSERT_TRUE(wait_stderr(*gw, "redis store redis://" + where + " unavailable"))
      << gw->diagnostics();
  EXPECT_TRUE(wait_stderr(*gw, "redis " + where + ": cannot connect: Connection refused"))
      << gw->diagnostics();
  redis.start();
  EXPECT_TRUE(wait_stderr(*gw, "redis store redis://" + where + " recovered")) << gw->diagnostics();
}

}  // namespace
}  // namespace sse::store::redis_test
