#include "telemetry/memory_sink.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "telemetry/names.hpp"

namespace sse::telemetry {
namespace {

using namespace std::chrono_literals;

event make_event(std::string_view name, std::string stream, int seq) {
  event e;
  e.name = std::string(name);
  e.stream = std::move(stream);
  e.fields["seq"] = seq;
  return e;
}

TEST(memory_sink, stores_in_order_and_fills_the_timestamp) {
  memory_sink sink;
  sink.emit(make_event(names::stream_created, "a", 0));
  event e = make_event(names::stream_ended, "a", 5);
  e.ts_ms = 123;
  sink.emit(e);
  const auto all = sink.snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "SseStreamCreated");
  EXPECT_GT(all[0].ts_ms, 0);
  EXPECT_EQ(all[1].name, "SseStreamEnded");
  EXPECT_EQ(all[1].ts_ms, 123);  // kept when the emitter set it
}

TEST(memory_sink, stamps_events_with_the_injected_clock) {
  core::manual_clock clock;
  memory_sink sink(1000, &clock);
  sink.emit(make_event(names::stream_created, "a", 0));
  clock.advance(1500ms);
  sink.emit(make_event(names::stream_ended, "a", 1));
  const auto all = sink.snapshot();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].ts_ms, 1'790'000'000'000);  // manual_clock's fixed start
  EXPECT_EQ(all[1].ts_ms, 1'790'000'001'500);
}

TEST(memory_sink, counts_by_name_and_predicate) {
  memory_sink sink;
  for (int i = 0; i < 10; ++i) {
    sink.emit(make_event(names::buffer_trimmed, i % 2 ? "odd" : "even", i));
  }
  sink.emit(make_event(names::resume_attempt, "even", 99));
  EXPECT_EQ(sink.count(names::buffer_trimmed), 10u);
  EXPECT_EQ(sink.count(names::resume_attempt), 1u);
  EXPECT_EQ(sink.count(names::resume_failure), 0u);
  EXPECT_EQ(sink.count(""), 11u);
  EXPECT_EQ(sink.count(names::buffer_trimmed, [](const event& e) { return e.stream == "odd"; }),
            5u);
  EXPECT_EQ(sink.count("", [](const event& e) { return field_is(e, "seq", 99); }), 1u);
}

TEST(memory_sink, wait_for_returns_an_event_already_seen) {
  memory_sink sink;
  sink.emit(make_event(names::resume_success, "s", 3));
  auto e = sink.wait_for(names::resume_success, {}, 0ms);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->stream, "s");
}

TEST(memory_sink, wait_for_wakes_on_a_later_event_from_another_thread) {
  memory_sink sink;
  std::thread producer([&sink] {
    for (int i = 0; i < 50; ++i) {
      sink.emit(make_event(names::buffer_trimmed, "s", i));
    }
    sink.emit(make_event(names::resume_live_end, "s", 50));
  });
  auto e = sink.wait_for(
      names::resume_live_end, [](const event& ev) { return field_is(ev, "seq", 50); }, 30s);
  producer.join();
  ASSERT_TRUE(e.has_value()) << sink.dump();
  EXPECT_EQ(e->name, "SseResumeLiveEnd");
}

TEST(memory_sink, wait_for_times_out_with_nullopt) {
  memory_sink sink;
  sink.emit(make_event(names::resume_failure, "s", 1));
  EXPECT_FALSE(sink.wait_for(names::resume_success, {}, 20ms).has_value());
  EXPECT_FALSE(sink.wait_for(
                       names::resume_failure,
                       [](const event& e) { return field_is(e, "reason", "expired"); }, 20ms)
                   .has_value());
}

TEST(memory_sink, wait_for_count_reaches_n_or_reports_what_it_saw) {
  memory_sink sink;
  std::thread producer([&sink] {
    for (int i = 0; i < 100; ++i) {
      sink.emit(make_event(names::client_disconnected, "s", i));
    }
  });
  EXPECT_GE(sink.wait_for_count(names::client_disconnected, 100, 30s), 100u) << sink.dump();
  producer.join();
  EXPECT_EQ(sink.wait_for_count(names::client_disconnected, 101, 20ms), 100u);
  EXPECT_EQ(sink.wait_for_count(names::client_disconnected, 10, 0ms,
                                [](const event& e) { return field_is(e, "seq", 7); }),
            1u);
}

TEST(memory_sink, concurrent_emitters_are_all_kept) {
  memory_sink sink;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sink, t] {
      for (int i = 0; i < 1000; ++i) {
        sink.emit(make_event(names::slow_client_dropped, std::to_string(t), i));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(sink.count(names::slow_client_dropped), 4000u);
  EXPECT_EQ(sink.count("", [](const event& e) { return e.stream == "2"; }), 1000u);
}

TEST(memory_sink, dump_lists_every_event) {
  memory_sink sink;
  sink.emit(make_event(names::stream_created, "alpha", 1));
  sink.emit(make_event(names::stream_expired, "beta", 2));
  const std::string d = sink.dump();
  EXPECT_NE(d.find("2 telemetry events"), std::string::npos) << d;
  EXPECT_NE(d.find("\"SseStreamCreated\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"alpha\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"SseStreamExpired\""), std::string::npos) << d;
  EXPECT_NE(d.find("\"beta\""), std::string::npos) << d;
}

TEST(memory_sink, clear_forgets_and_the_cap_drops) {
  memory_sink sink(3);
  for (int i = 0; i < 5; ++i) {
    sink.emit(make_event(names::stream_created, "s", i));
  }
  EXPECT_EQ(sink.count(""), 3u);
  EXPECT_EQ(sink.dropped(), 2u);
  EXPECT_NE(sink.dump().find("2 dropped"), std::string::npos);
  sink.clear();
  EXPECT_EQ(sink.count(""), 0u);
  sink.emit(make_event(names::stream_created, "s", 9));
  EXPECT_EQ(sink.snapshot().size(), 1u);
}

TEST(field_is, compares_numbers_by_value_and_other_values_exactly) {
  event e;
  e.fields["i"] = 5;
  e.fields["u"] = std::uint64_t{5};
  e.fields["d"] = 5.0;
  e.fields["neg"] = -1;
  e.fields["s"] = "expired";
  e.fields["b"] = true;
  EXPECT_TRUE(field_is(e, "i", 5));
  EXPECT_TRUE(field_is(e, "i", std::uint64_t{5}));
  EXPECT_TRUE(field_is(e, "i", 5.0));
  EXPECT_TRUE(field_is(e, "u", 5));
  EXPECT_TRUE(field_is(e, "d", 5));
  EXPECT_FALSE(field_is(e, "i", 6));
  EXPECT_FALSE(field_is(e, "neg", std::uint64_t{18446744073709551615ull}));
  EXPECT_TRUE(field_is(e, "neg", -1));
  EXPECT_TRUE(field_is(e, "s", "expired"));
  EXPECT_FALSE(field_is(e, "s", "expire"));
  EXPECT_FALSE(field_is(e, "s", 5));
  EXPECT_TRUE(field_is(e, "b", true));
  EXPECT_FALSE(field_is(e, "b", 1));
  EXPECT_FALSE(field_is(e, "missing", 5));
}

}  // namespace
}  // namespace sse::telemetry
