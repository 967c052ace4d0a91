// The door's live reads keep time on the monotonic clock they are given (door's `clock`), so
// a long-poll's timeout is simulated time in a test: real time passing does not end it, an
// advanced manual clock does. On the memory store, in one io_context; no sockets.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "core/clock.hpp"
#include "durable/door.hpp"
#include "durable/protocol.hpp"
#include "store/memory/memory_store.hpp"

namespace sse::durable {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

class door_clock : public ::testing::Test {
 protected:
  door_clock()
      : store_(store::store_limits{}, wall_),
        door_(store_, settings_with(50ms), nullptr, &steady_) {}

  static settings settings_with(std::chrono::milliseconds long_poll_timeout) {
    settings s;
    s.long_poll_timeout = long_poll_timeout;
    return s;
  }

  /// Starts handle(req) on io_; `out` is set when it answers.
  void start(request req, std::optional<reply>& out) {
    net::co_spawn(
        io_,
        [this, req = std::move(req), &out]() -> net::awaitable<void> {
          out = co_await door_.handle(req);
        },
        net::detached);
  }

  /// Runs io_ until `out` is set or `limit` of real time passed.
  void run_until_answered(const std::optional<reply>& out, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!out && std::chrono::steady_clock::now() < until) {
      io_.run_one_for(10ms);
    }
  }

  net::io_context io_;
  core::system_clock wall_;
  core::manual_steady_clock steady_;
  store::memory_store store_;
  door door_;
};

TEST_F(door_clock, a_long_poll_times_out_on_the_injected_clock_not_on_real_time) {
  std::optional<reply> created;
  start(request{"PUT", "/v1/stream/poll", {{"Content-Type", "text/plain"}}, "", std::nullopt},
        created);
  run_until_answered(created, 2s);
  ASSERT_TRUE(created.has_value());
  ASSERT_EQ(created->status, 201u) << created->body;

  std::optional<reply> poll;
  start(request{"GET", "/v1/stream/poll?offset=now&live=long-poll", {}, "", std::nullopt}, poll);
  // Six times the 50 ms timeout in real time: the manual clock did not move, so it still waits.
  run_until_answered(poll, 300ms);
  EXPECT_FALSE(poll.has_value()) << "the long-poll ended on real time: status " << poll->status;

  steady_.advance(60ms);  // past the timeout: the poll answers when its timer next fires
  run_until_answered(poll, 2s);
  ASSERT_TRUE(poll.has_value());
  EXPECT_EQ(poll->status, 204u) << poll->body;
}

// What the door stores and compares across nodes (a stream's creation time, Stream-Expires-At)
// is read on the wall clock it is given: a stream set to expire 10 s after the manual clock's
// "now" is served until that clock passes the instant, whatever the real date is.
TEST(door_wall_clock, stream_expires_at_is_judged_on_the_injected_wall_clock) {
  net::io_context io;
  core::manual_clock wall;  // a fixed date in 2026, not today's
  core::manual_steady_clock steady;
  store::memory_store store(store::store_limits{}, wall);
  door d(store, settings{}, nullptr, &steady, &wall);
  auto run = [&](request req) {
    std::optional<reply> out;
    net::co_spawn(
        io, [&]() -> net::awaitable<void> { out = co_await d.handle(req); }, net::detached);
    for (int i = 0; i < 200 && !out; ++i) {
      io.run_one_for(10ms);
    }
    return out;
  };
  const std::string at = format_rfc3339(core::to_unix_ms(wall.now()) + 10'000);
  auto created = run(request{
      "PUT", "/v1/stream/x", {{"Content-Type", "text/plain"}, {"Stream-Expires-At", at}}, "", {}});
  ASSERT_TRUE(created.has_value());
  ASSERT_EQ(created->status, 201u) << created->body;
  auto before = run(request{"GET", "/v1/stream/x", {}, "", {}});
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->status, 200u) << "expired on the real date: " << before->body;

  wall.advance(std::chrono::milliseconds(10'500));  // past the instant, not yet the store's TTL
  auto after = run(request{"GET", "/v1/stream/x", {}, "", {}});
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 404u) << after->body;
  EXPECT_NE(after->body.find("expired"), std::string::npos) << after->body;
}

}  // namespace
}  // namespace sse::durable
