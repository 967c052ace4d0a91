// The JSON-lines telemetry file of a real gateway: the stream and subscriber events with their
// fields (README "Telemetry").
#include <boost/json/serialize.hpp>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class telemetry_test : public gateway_test {};

auto for_stream(std::string stream) {
  return [stream](const boost::json::object& o) { return json_string(o, "stream") == stream; };
}

TEST_F(telemetry_test, lifecycle_of_a_stream_and_its_subscribers) {
  start({"--buffer-limit", "2"});
  const auto epoch = *json_string(append("tel", event_spec{"a", "", 1}), "epoch");

  const auto created = gw().wait_for_telemetry("SseStreamCreated", for_stream("tel"));
  ASSERT_TRUE(created) << gw().diagnostics();
  EXPECT_EQ(json_string(*created, "epoch"), epoch);
  EXPECT_TRUE(json_string(*created, "ts")) << boost::json::serialize(*created);
  EXPECT_TRUE(json_string(*created, "node")) << boost::json::serialize(*created);

  append("tel", event_spec{"bb", "t", 0});
  append("tel", event_spec{"c", "", 1});  // evicts seq 2 (priority 0)
  const auto trimmed = gw().wait_for_telemetry("SseBufferTrimmed", for_stream("tel"));
  ASSERT_TRUE(trimmed) << gw().diagnostics();
  EXPECT_EQ(json_int(*trimmed, "seq"), 2) << boost::json::serialize(*trimmed);
  EXPECT_EQ(json_int(*trimmed, "priority"), 0);
  EXPECT_EQ(json_int(*trimmed, "size_bytes"), 3 + 64) << "data plus type plus 64 per event";
  EXPECT_TRUE(json_string(*trimmed, "reason")) << boost::json::serialize(*trimmed);

  // A resume: attempt with the exact Last-Event-ID, then success with its counts.
  const std::string last_event_id = epoch + ":1";
  auto resumed = subscribe("tel", last_event_id);
  const auto replay = resumed->collect(2, 5s);  // gap 2, event 3
  ASSERT_EQ(replay.size(), 2u) << describe_events(replay);
  const auto attempt = gw().wait_for_telemetry("SseResumeAttempt", for_stream("tel"));
  ASSERT_TRUE(attempt) << gw().diagnostics();
  EXPECT_EQ(json_string(*attempt, "last_event_id"), last_event_id)
      << boost::json::serialize(*attempt);
  const auto success = gw().wait_for_telemetry("SseResumeSuccess", for_stream("tel"));
  ASSERT_TRUE(success) << gw().diagnostics();
  EXPECT_EQ(json_int(*success, "replayed"), 1) << boost::json::serialize(*success);
  EXPECT_EQ(json_int(*success, "missed"), 1) << boost::json::serialize(*success);
  EXPECT_TRUE(success->contains("latency_ms")) << boost::json::serialize(*success);

  // A plain subscriber that goes away abruptly.
  auto leaver = subscribe("tel");
  ASSERT_TRUE(leaver->next_event(5s));
  leaver->close_abruptly();
  const auto gone = gw().wait_for_telemetry("SseClientDisconnected", for_stream("tel"));
  ASSERT_TRUE(gone) << gw().diagnostics();

  // The end: SseStreamEnded, and the resumed subscription reaching it gives SseResumeLiveEnd.
  end_stream("tel");
  const auto end =
      resumed->collect_until([](const parsed_event& e) { return e.event == "end"; }, 5s);
  ASSERT_FALSE(end.empty());
  EXPECT_EQ(end.back().event, "end");
  const auto ended = gw().wait_for_telemetry("SseStreamEnded", for_stream("tel"));
  ASSERT_TRUE(ended) << gw().diagnostics();
  EXPECT_EQ(json_string(*ended, "status"), "completed") << boost::json::serialize(*ended);
  EXPECT_EQ(json_int(*ended, "last_seq"), 4);
  const auto live_end = gw().wait_for_telemetry("SseResumeLiveEnd", for_stream("tel"));
  ASSERT_TRUE(live_end) << gw().diagnostics();
  EXPECT_EQ(json_int(*live_end, "last_seq"), 4) << boost::json::serialize(*live_end);

  // Exactly one attempt and one trim for this stream so far.
  EXPECT_EQ(gw().telemetry_named("SseResumeAttempt").size(), 1u) << gw().diagnostics();
  EXPECT_EQ(gw().telemetry_named("SseBufferTrimmed").size(), 1u) << gw().diagnostics();
}

TEST_F(telemetry_test, buffer_trimmed_names_exactly_the_evicted_seqs) {
  start({"--buffer-limit", "3"});
  // seq:      1 2 3 4 5 6 7
  // priority: 2 0 1 0 3 1 1  -> evicted 2 (at 4), 4 (at 5), 3 (at 6), 6 (at 7)
  std::vector<int> priorities{2, 0, 1, 0, 3, 1, 1};
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    append("trim", event_spec{"x", "", priorities[i]});
  }
  const auto lines = gw().wait_for_telemetry_count("SseBufferTrimmed", 4, for_stream("trim"));
  std::vector<std::int64_t> seqs;
  for (const auto& l : lines) {
    seqs.push_back(json_int(l, "seq").value_or(-1));
  }
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{2, 4, 3, 6})) << gw().diagnostics();
}

TEST_F(telemetry_test, resume_with_another_epoch_reports_an_attempt_and_a_failure) {
  start();
  append("ep", "x");
  auto sub = subscribe("ep", "qqqqqq:4");
  ASSERT_EQ(sub->status(), 200);
  ASSERT_TRUE(sub->next_event(5s));
  const auto attempt = gw().wait_for_telemetry("SseResumeAttempt", for_stream("ep"));
  ASSERT_TRUE(attempt) << gw().diagnostics();
  EXPECT_EQ(json_string(*attempt, "last_event_id"), "qqqqqq:4");
  const auto failure = gw().wait_for_telemetry("SseResumeFailure", for_stream("ep"));
  ASSERT_TRUE(failure) << gw().diagnostics();
  EXPECT_EQ(json_string(*failure, "reason"), "epoch_reset") << boost::json::serialize(*failure);
}

TEST_F(telemetry_test, resume_ahead_of_the_stream_reports_reason_ahead) {
  start();
  const auto epoch = *json_string(append("ah", "x"), "epoch");
  auto sub = subscribe("ah", epoch + ":7");
  ASSERT_EQ(sub->status(), 200);
  ASSERT_TRUE(sub->next_event(5s));
  const auto failure = gw().wait_for_telemetry("SseResumeFailure", for_stream("ah"));
  ASSERT_TRUE(failure) << gw().diagnostics();
  // README "Telemetry": reason is one of unknown_stream, expired, epoch_reset, ahead, store_error.
  EXPECT_EQ(json_string(*failure, "reason"), "ahead") << boost::json::serialize(*failure);
}

TEST_F(telemetry_test, resume_of_an_unknown_stream_reports_a_failure) {
  start();
  auto sub = subscribe("nobody", "abcdef:3");
  EXPECT_EQ(sub->status(), 404);
  const auto failure = gw().wait_for_telemetry("SseResumeFailure", for_stream("nobody"));
  ASSERT_TRUE(failure) << gw().diagnostics();
  EXPECT_EQ(json_string(*failure, "reason"), "unknown_stream") << boost::json::serialize(*failure);
}

}  // namespace
}  // namespace sse::test
