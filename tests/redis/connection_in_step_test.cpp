// A connection whose replies fall out of step with its commands (one reply never came while the
// link stayed open: a proxy that swapped its server side with a command in flight) must drop the
// link, not keep it. Replies are matched strictly in order, so without that every later command
// gets the reply of the one before it, for as long as the link lives. The health PING is the
// command whose answer is known: anything but its PONG means the link is out of step. A real
// redis-server behind the test proxy, which keeps exactly one PING from the server.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "redis/connection.hpp"
#include "redis_fixture.hpp"
#include "redis_proxy.hpp"

namespace sse::store::redis_test {
namespace {

namespace net = boost::asio;

struct link_under_test {
  link_under_test(net::io_context& io, redis::connection_config cfg, bool subscriber_mode = false)
      : c(std::make_shared<redis::connection>(io.get_executor(), std::move(cfg), subscriber_mode)) {
    c->set_state_handler([this](bool up) { seen.push_back(up); });
  }
  std::shared_ptr<redis::connection> c;
  std::vector<bool> seen;  ///< state handler calls, on io's thread
};

redis::request echo(const std::string& text) {
  redis::request r;
  r.push("ECHO", text);
  return r;
}

// The text a reply carries, or what went wrong, for comparisons that print well.
std::string text_of(const result<std::vector<redis::reply>>& r) {
  if (!r) {
    return "error: " + r.error().message();
  }
  return r->size() == 1 ? redis::to_debug_string(r->front())
                        : "replies: " + std::to_string(r->size());
}

void stop(net::io_context& io, link_under_test& link) {
  link.c->stop();
  (void)run_until(
      io, [&] { return !link.c->up(); }, 5s);
}

TEST(connection_in_step, a_ping_answered_by_another_commands_reply_drops_the_link) {
  test::redis_options so;
  so.name = "redis-in-step";
  test::redis_server server(so);
  test::redis_proxy proxy(server.port());
  net::io_context io;
  auto cfg = test_connection(server);
  cfg.port = proxy.port();
  cfg.health_interval = 200ms;
  // Longer than the whole test: the PING that never reaches the server must not be what drops
  // the link (a timeout would hide a link kept out of step).
  cfg.health_timeout = 20s;
  cfg.ready_timeout = 0ms;
  link_under_test link(io, cfg);
  link.c->start();
  ASSERT_TRUE(run_until(
      io, [&] { return link.c->up(); }, 10s));
  ASSERT_EQ(text_of(run_sync(io, link.c->exec(echo("before"), 2s))), "\"before\"");

  // The next health PING never reaches the server, so the next reply the link reads answers the
  // command sent after it: the link is one reply short from here on.
  proxy.drop_next_command("PING");
  ASSERT_TRUE(run_until(
      io, [&] { return proxy.dropped_commands() == 1; }, 5s));
  auto shifted = run_sync(io, link.c->exec(echo("first"), 3s));
  EXPECT_FALSE(shifted.has_value()) << "ECHO first got " << text_of(shifted);
  if (!shifted) {
    // Sent, and the server ran it: a caller must not read this as "nothing happened".
    EXPECT_EQ(shifted.error(), errc::outcome_unknown);
  }

  // Dropped and reconnected: a fresh link whose replies are the commands' own again, also across
  // several health PINGs.
  ASSERT_TRUE(run_until(
      io, [&] { return link.seen.size() >= 3 && link.c->up(); }, 10s))
      << "the link out of step was kept (state changes " << link.seen.size() << ")";
  EXPECT_EQ(link.seen, (std::vector<bool>{true, false, true}));
  for (int i = 0; i < 5; ++i) {
    const std::string text = "after-" + std::to_string(i);
    EXPECT_EQ(text_of(run_sync(io, link.c->exec(echo(text), 2s))), "\"" + text + "\"");
    (void)run_until(
        io, [] { return false; }, 150ms);  // let health PINGs run in between
  }
  EXPECT_EQ(link.seen, (std::vector<bool>{true, false, true}));
  stop(io, link);
}

// A subscribed RESP2 link answers PING with ["pong", ""], not +PONG: that is in step too.
TEST(connection_in_step, a_subscribed_link_passes_its_health_pings) {
  test::redis_options so;
  so.name = "redis-in-step-sub";
  test::redis_server server(so);
  net::io_context io;
  auto cfg = test_connection(server);
  cfg.health_interval = 100ms;
  link_under_test link(io, cfg, /*subscriber_mode=*/true);
  link.c->start();
  ASSERT_TRUE(run_until(
      io, [&] { return link.c->up(); }, 10s));
  redis::request sub;
  sub.push("SUBSCRIBE", "in-step-a");
  auto subscribed = run_sync(io, link.c->exec(sub, 2s));
  ASSERT_TRUE(subscribed.has_value()) << subscribed.error().message();
  redis::request ssub;
  ssub.push("SSUBSCRIBE", "in-step-b");
  auto ssubscribed = run_sync(io, link.c->exec(ssub, 2s));
  ASSERT_TRUE(ssubscribed.has_value()) << ssubscribed.error().message();
  ASSERT_FALSE(ssubscribed->front().is_error()) << redis::to_debug_string(ssubscribed->front());
  // Ten health intervals: every PING was answered while subscribed.
  (void)run_until(
      io, [] { return false; }, 1s);
  EXPECT_EQ(link.seen, std::vector<bool>{true}) << "a subscribed link was dropped";
  stop(io, link);
}

}  // namespace
}  // namespace sse::store::redis_test
