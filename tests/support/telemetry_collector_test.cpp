// The collector itself: node tagging, matching by name/stream/node/fields, bounded waits, exact
// counts and the failure messages (which must show what was seen).
#include "telemetry_collector.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sse::test {
namespace {

using namespace std::chrono_literals;

telemetry::event make(std::string name, std::string stream, boost::json::object fields = {}) {
  return telemetry::event{std::move(name), std::move(stream), std::move(fields), 0};
}

TEST(telemetry_collector, tags_each_node_and_keeps_a_clashing_node_field) {
  telemetry_collector tc;
  auto& a = tc.node_sink("a");
  auto& b = tc.node_sink("b");
  EXPECT_EQ(&a, &tc.node_sink("a")) << "one sink per node";
  a.emit(make("SseResumeAttempt", "s1", {{"last_event_id", "e:1"}}));
  b.emit(make("SseResumeAttempt", "s1", {{"last_event_id", "e:2"}, {"node", "inner"}}));

  EXPECT_EQ(tc.count({.name = "SseResumeAttempt"}), 2u);
  EXPECT_EQ(tc.count({.name = "SseResumeAttempt", .node = "a"}), 1u);
  const auto from_b = tc.events({.node = "b"});
  ASSERT_EQ(from_b.size(), 1u);
  EXPECT_TRUE(telemetry::field_is(from_b[0], "field_node", boost::json::string("inner")));
  EXPECT_EQ(
      tc.count({.name = "SseResumeAttempt", .stream = "s1", .fields = {{"last_event_id", "e:2"}}}),
      1u);
  EXPECT_EQ(tc.count({.stream = "other"}), 0u);
}

TEST(telemetry_collector, numbers_match_across_integer_kinds_and_predicates_apply) {
  telemetry_collector tc;
  tc.node_sink("n").emit(make("SseBufferTrimmed", "s", {{"seq", std::uint64_t{7}}}));
  EXPECT_TRUE(tc.none({.name = "SseBufferTrimmed", .fields = {{"seq", 8}}}));
  EXPECT_EQ(tc.count({.name = "SseBufferTrimmed", .fields = {{"seq", 7}}}), 1u);
  EXPECT_EQ(tc.count({.pred = [](const telemetry::event& e) { return e.stream == "s"; }}), 1u);
  EXPECT_EQ(tc.count({.pred = [](const telemetry::event& e) { return e.stream == "t"; }}), 0u);
}

TEST(telemetry_collector, waits_are_bounded_and_see_events_from_other_threads) {
  telemetry_collector tc;
  auto& sink = tc.node_sink("n");
  std::thread later([&sink] {
    std::this_thread::sleep_for(50ms);
    sink.emit(make("SseStreamExpired", "x"));
    sink.emit(make("SseStreamExpired", "y"));
  });
  EXPECT_TRUE(tc.wait_for({.name = "SseStreamExpired", .stream = "y"}, 5s));
  EXPECT_EQ(tc.wait_for_count({.name = "SseStreamExpired"}, 2, 5s), 2u);
  later.join();

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(tc.wait_for({.name = "SseStreamExpired", .stream = "z"}, 100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "the wait is bounded";
}

TEST(telemetry_collector, assertion_results_print_what_was_seen) {
  telemetry_collector tc;
  tc.node_sink("n").emit(make("SseResumeSuccess", "seen-stream", {{"replayed", 3}}));

  const auto missing = tc.saw({.name = "SseResumeLiveEnd", .stream = "s"}, 50ms);
  ASSERT_FALSE(missing);
  const std::string msg = missing.message();
  EXPECT_NE(msg.find("SseResumeLiveEnd stream=s"), std::string::npos) << msg;
  EXPECT_NE(msg.find("seen-stream"), std::string::npos) << "the dump lists what was seen: " << msg;
  EXPECT_NE(msg.find("SseResumeSuccess=1"), std::string::npos) << msg;

  EXPECT_TRUE(tc.count_is({.name = "SseResumeSuccess"}, 1, 1s, 20ms));
  const auto too_many = tc.count_is({.name = "SseResumeSuccess"}, 0, 1s, 20ms);
  EXPECT_FALSE(too_many);
  EXPECT_NE(std::string(too_many.message()).find("got 1"), std::string::npos) << too_many.message();
  EXPECT_FALSE(tc.saw_at_least({.name = "SseResumeSuccess"}, 2, 20ms));
  EXPECT_FALSE(tc.none({.name = "SseResumeSuccess"}));
}

TEST(telemetry_collector, dump_is_bounded_to_the_last_lines) {
  telemetry_collector tc;
  auto& sink = tc.node_sink("n");
  for (int i = 0; i < 20; ++i) {
    sink.emit(make("SseBufferTrimmed", "s", {{"seq", i}}));
  }
  const std::string d = tc.dump(std::nullopt, 5);
  EXPECT_NE(d.find("15 earlier lines left out"), std::string::npos) << d;
  EXPECT_NE(d.find("\"seq\":19"), std::string::npos) << d;
  EXPECT_EQ(d.find("\"seq\":3,"), std::string::npos) << d;
}

}  // namespace
}  // namespace sse::test
