#include "redis_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace sse::test {
namespace {

class redis_server_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_server::available()) {
      FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
    }
  }
};

TEST_F(redis_server_test, starts_on_its_own_port_and_answers_commands) {
  redis_server redis;
  EXPECT_GT(redis.port(), 0);
  EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(redis.port()));
  EXPECT_EQ(redis.command("PING").str, "PONG");
  EXPECT_EQ(redis.command("SET", "k", "v\r\nwith bytes").str, "OK");
  EXPECT_EQ(redis.command("GET", "k").str, "v\r\nwith bytes");
  EXPECT_TRUE(redis.command("GET", "missing").is_nil());
  EXPECT_EQ(redis.command("RPUSH", "l", "a", "b").integer, 2);
  const auto list = redis.command("LRANGE", "l", "0", "-1");
  ASSERT_EQ(list.type, redis_reply::kind::array);
  EXPECT_EQ(list.describe(), "[a, b]");
  EXPECT_TRUE(redis.command("NOSUCHCOMMAND").is_error());
  const auto dir = redis.command("CONFIG", "GET", "dir");
  ASSERT_EQ(dir.elements.size(), 2u);
  EXPECT_EQ(std::filesystem::path(dir.elements[1].str), redis.dir());
}

TEST_F(redis_server_test, two_servers_get_different_ports) {
  redis_server a;
  redis_server b;
  EXPECT_NE(a.port(), b.port());
  a.command("SET", "only", "a");
  EXPECT_TRUE(b.command("GET", "only").is_nil());
}

TEST_F(redis_server_test, pause_makes_commands_time_out_and_resume_brings_it_back) {
  redis_server redis;
  redis.command("SET", "k", "1");
  redis.pause();
  EXPECT_TRUE(redis.paused());
  EXPECT_TRUE(redis.running());
  EXPECT_THROW(redis.command_argv({"GET", "k"}, std::chrono::milliseconds(200)),
               std::runtime_error);
  redis.resume();
  EXPECT_EQ(redis.command("GET", "k").str, "1");
}

TEST_F(redis_server_test, restart_keeps_the_port_and_loses_data_without_persistence) {
  redis_server redis;
  const auto port = redis.port();
  redis.command("SET", "k", "1");
  redis.restart(false);
  EXPECT_EQ(redis.port(), port);
  EXPECT_TRUE(redis.command("GET", "k").is_nil());
}

TEST_F(redis_server_test, restart_with_aof_replays_the_data_even_after_sigkill) {
  redis_options o;
  o.args = {"--appendonly", "yes", "--appendfsync", "always"};
  redis_server redis(std::move(o));
  redis.command("SET", "k", "kept");
  redis.restart(false);  // SIGKILL: only the fsynced AOF can bring it back
  EXPECT_EQ(redis.command("GET", "k").str, "kept");
  redis.stop();
  EXPECT_FALSE(redis.running());
  redis.start();
  EXPECT_EQ(redis.command("GET", "k").str, "kept");
}

TEST_F(redis_server_test, a_bad_argument_fails_with_the_server_log) {
  try {
    redis_options o;
    o.args = {"--no-such-option", "1"};
    redis_server redis(std::move(o));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-option"), std::string::npos) << e.what();
  }
}

// A cluster node whose bus port is taken when it starts (another process got it between
// free_port() and the bind) starts on a fresh bus port: the retry must not reuse the taken one,
// neither from the arguments nor from the nodes.conf the failed start wrote. It once failed a CI
// run of cluster_store_test five attempts in a row.
TEST_F(redis_server_test, a_taken_cluster_bus_port_is_picked_anew_on_retry) {
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string taken = std::to_string(ntohs(addr.sin_port));

  redis_options o;
  o.name = "bus-port-taken";
  o.args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
            "--cluster-port",    taken};
  try {
    redis_server redis(std::move(o));
    EXPECT_EQ(redis.command("PING").str, "PONG");
  } catch (const std::runtime_error& e) {
    ADD_FAILURE() << e.what();
  }
  ::close(holder);
}

}  // namespace
}  // namespace sse::test
