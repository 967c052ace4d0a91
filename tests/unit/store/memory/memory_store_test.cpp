// The conformance suite on the memory store, plus what only the memory store can show
// deterministically: TTL, end retention and sweeping with a manual clock, stats, validation.

#include "store/memory/memory_store.hpp"

#include <atomic>
#include <condition_variable>
#include <thread>

#include "heap_counter.hpp"
#include "store_conformance.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store {
namespace {

using conformance::run_sync;
using conformance::store_conformance;
using conformance::store_factory;
using stream::new_event;

const core::system_clock& shared_system_clock() {
  static const core::system_clock clock;
  return clock;
}

INSTANTIATE_TEST_SUITE_P(memory, store_conformance,
                         ::testing::Values(store_factory{
                             "memory",
                             [](const store_limits& limits) -> std::unique_ptr<store> {
                               return std::make_unique<memory_store>(limits, shared_system_clock());
                             },
                             {},
                             {}}),
                         conformance::conformance_test_name);

}  // namespace
}  // namespace sse::store

namespace sse::store {
namespace {

using namespace std::chrono_literals;
using conformance::recording_listener;
using conformance::run_sync;
using conformance::unwatch_guard;
using stream::new_event;

// Memory-only behaviour with a manual clock: nothing here sleeps.
class memory_store_specifics : public ::testing::Test {
 protected:
  memory_store_specifics() {
    limits_.ttl = 60s;
    limits_.end_retention = 10s;
  }

  memory_store& make(store_limits l) {
    store_ = std::make_unique<memory_store>(l, clock_);
    return *store_;
  }
  memory_store& s() {
    if (!store_) {
      make(limits_);
    }
    return *store_;
  }
  result<append_result> append(const std::string& id, std::vector<new_event> events,
                               std::optional<seq_t> producer_seq = std::nullopt,
                               stream_options create_options = {}) {
    append_request r;
    r.stream_id = id;
    r.events = std::move(events);
    r.producer_seq = producer_seq;
    r.create_options = create_options;
    return run_sync(io_, s().append(std::move(r)));
  }
  result<stream_info> info(const std::string& id) { return run_sync(io_, s().info(id)); }

  core::manual_clock clock_;
  store_limits limits_;
  boost::asio::io_context io_;
  std::unique_ptr<memory_store> store_;
};

TEST_F(memory_store_specifics, open_stream_expires_ttl_after_its_last_append) {
  auto a = append("s", {new_event{"", "a", 1}});
  ASSERT_TRUE(a.has_value());
  clock_.advance(59s);
  EXPECT_EQ(info("s")->expires_in, 1s);
  ASSERT_TRUE(append("s", {new_event{"", "b", 1}}).has_value());  // refreshes
  EXPECT_EQ(info("s")->expires_in, 60s);
  clock_.advance(59'999ms);
  ASSERT_TRUE(info("s").has_value());
  EXPECT_EQ(info("s")->expires_in, 1ms);
  clock_.advance(1ms);
  EXPECT_EQ(info("s").error(), errc::stream_not_found);
}

TEST_F(memory_store_specifics, create_starts_the_ttl_and_per_stream_ttl_overrides) {
  stream_options o;
  o.ttl = 5s;
  ASSERT_TRUE(run_sync(io_, s().create("short", o)).has_value());
  ASSERT_TRUE(run_sync(io_, s().create("long", {})).has_value());
  clock_.advance(5s);
  EXPECT_EQ(info("short").error(), errc::stream_not_found);
  EXPECT_EQ(info("long")->expires_in, 55s);
  // An append that creates the stream uses its create options too.
  ASSERT_TRUE(append("short2", {new_event{"", "x", 1}}, std::nullopt, o).has_value());
  EXPECT_EQ(info("short2")->expires_in, 5s);
}

TEST_F(memory_store_specifics, expired_stream_behaves_as_missing_before_the_sweep) {
  auto a = append("s", {new_event{"", "a", 1}});
  ASSERT_TRUE(a.has_value());
  clock_.advance(60s);
  EXPECT_EQ(info("s").error(), errc::stream_not_found);
  EXPECT_EQ(run_sync(io_, s().read_after("s", 0)).error(), errc::stream_not_found);
  EXPECT_EQ(run_sync(io_, s().end("s", stream_status::completed)).error(), errc::stream_not_found);
  EXPECT_EQ(run_sync(io_, s().remove("s")).error(), errc::stream_not_found);
  auto b = append("s", {new_event{"", "b", 1}});
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->created);
  EXPECT_NE(b->epoch, a->epoch);
  EXPECT_EQ(b->first_seq, 1u);
  // The sweep still reports the expired incarnation, once.
  auto swept = s().sweep_expired();
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].stream_id, "s");
  EXPECT_EQ(swept[0].epoch, a->epoch);
  EXPECT_FALSE(swept[0].ended);
  EXPECT_TRUE(s().sweep_expired().empty());
}

TEST_F(memory_store_specifics, expired_stream_created_again_by_create) {
  auto c = run_sync(io_, s().create("s", {}));
  ASSERT_TRUE(c.has_value());
  clock_.advance(61s);
  auto again = run_sync(io_, s().create("s", {}));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->created);
  EXPECT_NE(again->epoch, c->epoch);
}

TEST_F(memory_store_specifics, ended_stream_lives_for_end_retention_after_its_end) {
  ASSERT_TRUE(append("s", {new_event{"", "a", 1}}).has_value());
  clock_.advance(30s);
  ASSERT_TRUE(run_sync(io_, s().end("s", stream_status::completed)).has_value());
  EXPECT_EQ(info("s")->expires_in, 10s) << "end retention, not the idle ttl";
  clock_.advance(9s);
  ASSERT_TRUE(run_sync(io_, s().read_after("s", 0)).has_value());
  // A second end does not extend it.
  ASSERT_TRUE(run_sync(io_, s().end("s", stream_status::completed)).has_value());
  clock_.advance(1s);
  EXPECT_EQ(info("s").error(), errc::stream_not_found);
  auto swept = s().sweep_expired();
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_TRUE(swept[0].ended);
}

TEST_F(memory_store_specifics, sweep_removes_expired_streams_and_tells_watchers) {
  recording_listener l;
  ASSERT_TRUE(run_sync(io_, s().watch("a", &l)).has_value());
  unwatch_guard guard(s(), "a", &l);
  ASSERT_TRUE(append("a", {new_event{"", "x", 1}}).has_value());
  ASSERT_TRUE(append("b", {new_event{"", "y", 1}}).has_value());
  clock_.advance(30s);
  ASSERT_TRUE(append("b", {new_event{"", "z", 1}}).has_value());
  EXPECT_TRUE(s().sweep_expired().empty());
  EXPECT_EQ(s().stats().streams, 2);
  clock_.advance(30s);
  auto swept = s().sweep_expired();
  ASSERT_EQ(swept.size(), 1u);
  EXPECT_EQ(swept[0].stream_id, "a");
  EXPECT_EQ(l.gone(), std::vector<std::string>{"a"});
  EXPECT_EQ(s().stats().streams, 1);
  EXPECT_EQ(s().stats().events_buffered, 2);
  EXPECT_TRUE(info("b").has_value());
}

TEST_F(memory_store_specifics, lookup_of_expired_stream_tells_watchers_at_once) {
  recording_listener l;
  ASSERT_TRUE(run_sync(io_, s().watch("a", &l)).has_value());
  unwatch_guard guard(s(), "a", &l);
  ASSERT_TRUE(append("a", {new_event{"", "x", 1}}).has_value());
  clock_.advance(60s);
  // The new incarnation's batch must not come before the old one's gone notice.
  ASSERT_TRUE(append("a", {new_event{"", "y", 1}}).has_value());
  EXPECT_EQ(l.gone(), std::vector<std::string>{"a"});
  auto batches = l.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_NE(batches[0]->epoch, batches[1]->epoch);
}

TEST_F(memory_store_specifics, stats_track_streams_events_and_bytes) {
  store_limits l = limits_;
  l.buffer_limit = 2;
  make(l);
  EXPECT_EQ(s().stats().streams, 0);
  constexpr std::int64_t ov = stream::event_overhead_bytes;            // counted per event
  ASSERT_TRUE(append("a", {new_event{"t", "12345", 1}}).has_value());  // 6 bytes
  ASSERT_TRUE(append("b", {new_event{"", "1234", 1}, new_event{"", "12", 1}}).has_value());
  auto st = s().stats();
  EXPECT_EQ(st.streams, 2);
  EXPECT_EQ(st.events_buffered, 3);
  EXPECT_EQ(st.bytes_buffered, 12 + 3 * ov);
  ASSERT_TRUE(append("b", {new_event{"", "123", 1}}).has_value());  // evicts "1234"
  st = s().stats();
  EXPECT_EQ(st.events_buffered, 3);
  EXPECT_EQ(st.bytes_buffered, 11 + 3 * ov);
  ASSERT_TRUE(run_sync(io_, s().remove("a")).has_value());
  st = s().stats();
  EXPECT_EQ(st.streams, 1);
  EXPECT_EQ(st.events_buffered, 2);
  EXPECT_EQ(st.bytes_buffered, 5 + 2 * ov);
  EXPECT_TRUE(s().available());
}

TEST_F(memory_store_specifics, producer_seq_remembers_recent_appends) {
  for (seq_t ps = 1; ps <= 20; ++ps) {
    ASSERT_TRUE(append("s", {new_event{"", "x", 1}}, ps).has_value());
  }
  // The 16 most recent appends (seqs 5..20) are remembered; older ones are not.
  for (seq_t ps = 5; ps <= 20; ++ps) {
    auto r = append("s", {new_event{"", "x", 1}}, ps);
    ASSERT_TRUE(r.has_value()) << ps;
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(r->first_seq, ps);
  }
  EXPECT_EQ(append("s", {new_event{"", "x", 1}}, 4).error(), errc::producer_seq_conflict);
  EXPECT_EQ(info("s")->last_seq, 20u);
}

TEST_F(memory_store_specifics, a_stream_of_one_small_event_costs_under_one_kibibyte) {
  // Many short streams (one per job or chat turn) are the common case: the fixed cost of a
  // stream (its state, buffer, Producer-Seq memory, the map entry) is what they cost.
  constexpr int streams = 1000;
  const std::string data(40, 'x');
  std::vector<append_request> requests(streams);
  for (int i = 0; i < streams; ++i) {
    requests[i].stream_id = "stream-" + std::to_string(100000 + i);
    requests[i].events = {new_event{"", data, 1}};
  }
  s();
  test::heap_counter counter;
  for (const auto& r : requests) {
    ASSERT_TRUE(s().append_now(r).has_value());
  }
  const auto per_stream = counter.live_bytes() / streams;
  RecordProperty("heap_bytes_per_stream", std::to_string(per_stream));
  EXPECT_LE(per_stream, 1024) << "heap bytes per stream";
  for (const auto& r : requests) {
    ASSERT_TRUE(s().remove_now(r.stream_id).has_value());
  }
  // Deleted streams give their memory back (the id map keeps only its bucket array).
  EXPECT_LE(counter.live_bytes(), static_cast<std::int64_t>(streams) * 16);
}

TEST_F(memory_store_specifics, rejects_malformed_requests) {
  EXPECT_EQ(append("s", {}).error(), errc::invalid_argument);
  EXPECT_EQ(append("s", {new_event{"", "x", 4}}).error(), errc::invalid_event);
  EXPECT_EQ(append("s", {new_event{"", "x", 1}, new_event{"", "x", -1}}).error(),
            errc::invalid_event);
  EXPECT_EQ(info("s").error(), errc::stream_not_found) << "a rejected append creates nothing";
  ASSERT_TRUE(append("s", {new_event{"", "x", 1}}).has_value());
  EXPECT_EQ(run_sync(io_, s().end("s", stream_status::open)).error(), errc::invalid_argument);
}

TEST_F(memory_store_specifics, synchronous_api_matches_the_coroutines) {
  auto a = s().append_now(append_request{"s", {new_event{"", "x", 1}}, std::nullopt, {}});
  ASSERT_TRUE(a.has_value());
  auto r = s().read_after_now("s", 0);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(*r->events[0].frame, stream::encode_event(a->epoch, 1, "", "x"));
  EXPECT_EQ(s().info_now("s")->last_seq, 1u);
  EXPECT_EQ(s().end_now("s", stream_status::completed)->last_seq, 2u);
  EXPECT_FALSE(s().create_now("s", {})->created);
  EXPECT_TRUE(s().remove_now("s").has_value());
}

TEST_F(memory_store_specifics, unwatch_waits_for_a_delivery_in_progress) {
  // A listener that blocks inside on_events until released: unwatch from another thread must not
  // return while the callback runs.
  struct blocking_listener final : live_listener {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    bool release = false;
    void on_events(std::shared_ptr<const stream::event_batch>) override {
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait_for(lock, 10s, [&] { return release; });
    }
    void on_stream_gone(const std::string&) override {}
    void on_resync(const std::string&) override {}
  } l;
  ASSERT_TRUE(s().create_now("s", {}).has_value());
  ASSERT_TRUE(run_sync(io_, s().watch("s", &l)).has_value());
  std::thread producer([&] {
    (void)s().append_now(append_request{"s", {new_event{"", "x", 1}}, std::nullopt, {}});
  });
  {
    std::unique_lock lock(l.mu);
    ASSERT_TRUE(l.cv.wait_for(lock, 10s, [&] { return l.entered; }));
  }
  std::atomic<bool> unwatched{false};
  std::thread unwatcher([&] {
    s().unwatch("s", &l);
    unwatched = true;
  });
  // Give the unwatcher a chance to run; it must still be blocked behind the callback. (A pass
  // here can be luck; a failure is always a real bug.)
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(unwatched.load());
  {
    std::lock_guard lock(l.mu);
    l.release = true;
  }
  l.cv.notify_all();
  producer.join();
  unwatcher.join();
  EXPECT_TRUE(unwatched.load());
}

TEST_F(memory_store_specifics, concurrent_appends_removes_and_watchers_stay_consistent) {
  // Two appenders, one thread removing the stream and churning another listener, one listener
  // that watches throughout: within each incarnation (epoch) it must see seqs 1, 2, 3... in
  // order, and one gone notice per successful remove. (Run under TSan for the races.)
  make(limits_);
  recording_listener steady;
  ASSERT_TRUE(run_sync(io_, s().watch("s", &steady)).has_value());
  unwatch_guard guard(s(), "s", &steady);
  std::atomic<int> removes{0};
  std::atomic<bool> stop{false};
  auto appender = [&] {
    for (int i = 0; i < 400 && !stop; ++i) {
      (void)s().append_now(append_request{"s", {new_event{"", "x", 1}}, std::nullopt, {}});
    }
  };
  std::thread a1(appender);
  std::thread a2(appender);
  std::thread churn([&] {
    recording_listener transient;
    for (int i = 0; i < 100; ++i) {
      boost::asio::io_context io;
      (void)run_sync(io, s().watch("s", &transient));
      (void)s().read_after_now("s", 0);
      if (s().remove_now("s").has_value()) {
        ++removes;
      }
      s().unwatch("s", &transient);
    }
  });
  a1.join();
  a2.join();
  churn.join();

  std::string epoch;
  seq_t expected = 1;
  for (const auto& b : steady.batches()) {
    if (b->epoch != epoch) {
      epoch = b->epoch;
      expected = 1;
    }
    for (const auto& e : b->events) {
      ASSERT_EQ(e.seq, expected) << "epoch " << epoch;
      ++expected;
    }
  }
  EXPECT_EQ(steady.gone().size(), static_cast<std::size_t>(removes.load()));
  EXPECT_EQ(steady.event_count(), 800u);
}

}  // namespace
}  // namespace sse::store
