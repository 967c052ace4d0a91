// The Redis client and store under Redis blips, each against a private redis-server: paused
// (SIGSTOP/SIGCONT), connections killed (CLIENT KILL), restarted with AOF, scripts flushed.
// What must hold: operations fail fast with store_unavailable while Redis is gone, or with
// outcome_unknown when a write was sent but not answered (never hang, never succeed twice),
// availability is reported both ways, everything reconnects, and live listeners are told to resync
// once the subscription is back.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <mutex>

#include "bounded_wait.hpp"
#include "redis/client.hpp"
#include "redis_fixture.hpp"
#include "redis_session.hpp"
#include "store/redis/scripts.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::redis_test {
namespace {

using stream::new_event;

class redis_blip : public ::testing::Test {
 protected:
  void TearDown() override {
    store_.reset();
    io_.restart();
    io_.poll();
  }

  void start_server(std::vector<std::string> args = {}) {
    test::redis_options o;
    o.args = std::move(args);
    o.name = "redis-blip";
    server_ = std::make_unique<test::redis_server>(o);
  }

  redis_store& start_store(store_limits limits = {}) {
    store_ = std::make_unique<redis_store>(
        limits, test_options(*server_), std::vector<redis_store::executor_type>{io_.get_executor()},
        test_clock());
    store_->set_availability_handler(transitions_.handler());
    store_->start();
    if (!run_until(io_, [&] { return store_->available(); })) {
      throw std::runtime_error("store did not become available");
    }
    return *store_;
  }

  result<append_result> append(const std::string& id, std::string data,
                               std::optional<seq_t> producer_seq = std::nullopt,
                               std::chrono::milliseconds timeout = 15s) {
    append_request r;
    r.stream_id = id;
    r.events = {new_event{"", std::move(data), 1}};
    r.producer_seq = producer_seq;
    return run_sync(io_, store_->append(std::move(r)), timeout);
  }

  boost::asio::io_context io_;
  std::unique_ptr<test::redis_server> server_;
  std::unique_ptr<redis_store> store_;
  test::availability_log transitions_;
};

TEST_F(redis_blip, paused_redis_fails_fast_then_recovers_without_losing_or_duplicating) {
  start_server();
  start_store();
  ASSERT_TRUE(append("p", "1", 1).has_value());
  server_->pause();
  // The first append may wait for its command timeout; it is never acknowledged. It was sent,
  // so it may have run: outcome_unknown, not store_unavailable.
  auto during = append("p", "2", 2);
  ASSERT_FALSE(during.has_value());
  EXPECT_EQ(during.error(), errc::outcome_unknown);
  ASSERT_TRUE(run_until(
      io_, [&] { return !store_->available(); }, 10s))
      << "the PING health check must notice a paused server";
  // Now it fails fast: well within run_sync's bound, no command timeout to wait for; nothing
  // was sent, so store_unavailable.
  auto fast = append("p", "2", 2, 1s);
  EXPECT_EQ(fast.error(), errc::store_unavailable);
  EXPECT_EQ(run_sync(io_, store_->read_after("p", 0), 1s).error(), errc::store_unavailable);
  server_->resume();
  ASSERT_TRUE(run_until(
      io_, [&] { return store_->available(); }, 10s));
  EXPECT_TRUE(transitions_.saw_down_then_up());
  // The producer retries with Producer-Seq: whether or not the paused append ran, seq 2 is "2"
  // exactly once.
  auto retry = append("p", "2", 2);
  ASSERT_TRUE(retry.has_value()) << retry.error().message();
  auto r = run_sync(io_, store_->read_after("p", 0));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(*r->events[1].frame, stream::encode_event(r->epoch, 2, "", "2"));
}

TEST_F(redis_blip, killed_command_connections_reconnect) {
  start_server();
  start_store();
  ASSERT_TRUE(append("k", "1").has_value());
  auto killed = server_->command("CLIENT", "KILL", "TYPE", "normal");
  ASSERT_GE(killed.integer, 1);
  ASSERT_TRUE(test::bounded_wait(
      [&] {
        io_.poll();
        return transitions_.saw_down_then_up();
      },
      10s));
  ASSERT_TRUE(run_until(io_, [&] { return store_->available(); }));
  auto a = append("k", "2");
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->first_seq, 2u);
}

TEST_F(redis_blip, killed_subscription_resubscribes_and_tells_listeners_to_resync) {
  start_server();
  auto& s = start_store();
  conformance::recording_listener l;
  ASSERT_TRUE(run_sync(io_, s.watch("live", &l)).has_value());
  conformance::unwatch_guard guard(s, "live", &l);
  ASSERT_TRUE(append("live", "before").has_value());
  ASSERT_TRUE(run_until(io_, [&] { return l.event_count() == 1; }));
  ASSERT_GE(server_->command("CLIENT", "KILL", "TYPE", "pubsub").integer, 1);
  ASSERT_TRUE(run_until(
      io_, [&] { return l.resyncs() >= 1; }, 10s));
  EXPECT_EQ(server_->command("PUBSUB", "NUMSUB", "sse:live:{live}").elements.at(1).integer, 1);
  ASSERT_TRUE(append("live", "after").has_value());
  ASSERT_TRUE(run_until(io_, [&] { return l.event_count() == 2; }));
  EXPECT_EQ(l.seqs(), (std::vector<seq_t>{1, 2}));
}

TEST_F(redis_blip, restart_with_aof_keeps_streams_reloads_scripts_and_resubscribes) {
  start_server({"--appendonly", "yes", "--appendfsync", "always"});
  auto& s = start_store();
  conformance::recording_listener l;
  ASSERT_TRUE(run_sync(io_, s.watch("aof", &l)).has_value());
  conformance::unwatch_guard guard(s, "aof", &l);
  auto a = append("aof", "1", 1);
  ASSERT_TRUE(a.has_value());
  server_->restart();
  ASSERT_TRUE(run_until(
      io_, [&] { return l.resyncs() >= 1 && store_->available(); }, 15s));
  EXPECT_TRUE(transitions_.saw_down_then_up());
  auto b = append("aof", "2", 2);
  ASSERT_TRUE(b.has_value()) << b.error().message();
  EXPECT_EQ(b->epoch, a->epoch) << "AOF kept the stream";
  ASSERT_TRUE(run_until(io_, [&] { return l.event_count() >= 2; }));
  auto r = run_sync(io_, s.read_after("aof", 0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events.size(), 2u);
}

TEST_F(redis_blip, script_flush_is_repaired_by_reloading_on_noscript) {
  start_server();
  start_store();
  ASSERT_TRUE(append("f", "1").has_value());
  server_->command("SCRIPT", "FLUSH");
  auto a = append("f", "2");
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->first_seq, 2u);
  auto exists = server_->command("SCRIPT", "EXISTS", redis_layout::append_script().sha());
  ASSERT_EQ(exists.elements.size(), 1u);
  EXPECT_EQ(exists.elements[0].integer, 1) << "loaded again after NOSCRIPT";
}

TEST_F(redis_blip, store_started_before_redis_connects_once_it_is_up) {
  start_server();
  const auto port = server_->port();
  server_->stop();
  store_ = std::make_unique<redis_store>(
      store_limits{}, test_options(*server_),
      std::vector<redis_store::executor_type>{io_.get_executor()}, test_clock());
  store_->start();
  EXPECT_FALSE(run_until(
      io_, [&] { return store_->available(); }, 300ms));
  EXPECT_EQ(append("late", "x", std::nullopt, 2s).error(), errc::store_unavailable);
  server_->start();
  ASSERT_EQ(server_->port(), port);
  ASSERT_TRUE(run_until(
      io_, [&] { return store_->available(); }, 10s));
  EXPECT_TRUE(append("late", "x").has_value());
}

// The command side alone: many requests in flight on one connection, answered in order.
TEST_F(redis_blip, one_connection_pipelines_concurrent_requests) {
  start_server();
  redis::client c({io_.get_executor()}, test_connection(*server_));
  c.start();
  ASSERT_TRUE(run_until(io_, [&] { return c.up(); }));
  constexpr int n = 300;
  // got[i]: the reply of the i-th request issued. The coroutines start in spawn order, so
  // request i is queued i-th; answered in order, its INCR is the (i+1)-th: got[i] == i + 1.
  // Distinct replies alone would not show it: a client handing replies to the wrong callers
  // still hands out 300 distinct numbers.
  std::vector<long long> got(n, -1);
  int done = 0;
  for (int i = 0; i < n; ++i) {
    boost::asio::co_spawn(
        io_,
        [&, i]() -> boost::asio::awaitable<void> {
          redis::request r;
          r.push("INCR", "counter");
          auto rep = co_await c.exec(std::move(r));
          if (rep && !rep->empty()) {
            got[static_cast<std::size_t>(i)] = rep->front().integer;
          }
          ++done;
        },
        boost::asio::detached);
  }
  ASSERT_TRUE(run_until(io_, [&] { return done == n; }));
  int out_of_order = 0;
  for (int i = 0; i < n; ++i) {
    if (got[static_cast<std::size_t>(i)] != i + 1 && ++out_of_order <= 5) {
      ADD_FAILURE() << "request " << i << " got " << got[static_cast<std::size_t>(i)]
                    << ", expected " << i + 1;
    }
  }
  EXPECT_EQ(out_of_order, 0) << "requests answered out of order (or not at all)";
  EXPECT_EQ(server_->command("GET", "counter").str, std::to_string(n));
  // Every request went over the client's single connection (plus the harness's own).
  EXPECT_EQ(
      server_->command("INFO", "clients").str.find("connected_clients:2") != std::string::npos,
      true);
  c.stop();
}

}  // namespace
}  // namespace sse::store::redis_test
