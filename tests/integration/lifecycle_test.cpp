// Process- and time-level behaviour: slow clients dropped and resuming, clean shutdown on
// SIGTERM with live subscribers, TTL and end-retention expiry.
#include <sys/wait.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <thread>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class lifecycle_test : public gateway_test {};

TEST_F(lifecycle_test, a_client_that_does_not_read_is_dropped_and_resumes_what_is_buffered) {
  start({"--max-queue-bytes", "512KiB"});
  const auto epoch = *json_string(http().put(stream_path("slow")).json_object(), "epoch");
  constexpr std::size_t event_bytes = 32 * 1024;
  constexpr std::uint64_t events = 400;  // 12.5 MiB: far more than socket buffers hold

  // The slow one: a tiny receive window, and it never reads until the end.
  auto slow = subscribe("slow", std::nullopt, {}, {}, 4096);
  ASSERT_EQ(slow->status(), 200);
  // A healthy one, reading all the time in its own thread. The producer never gets more than
  // 8 events (256 KiB) ahead of it, so its queue (512 KiB) cannot overflow whatever the
  // scheduling: only the non-reading client may be dropped.
  std::vector<parsed_event> healthy_events;
  std::string healthy_error;
  std::atomic<std::uint64_t> healthy_count{0};
  {
    auto healthy = subscribe("slow");
    ASSERT_EQ(healthy->status(), 200);
    std::thread reader([&] {
      try {
        while (healthy_events.size() < events) {
          auto e = healthy->next_event(30s);
          if (!e) {
            break;
          }
          healthy_events.push_back(std::move(*e));
          healthy_count = healthy_events.size();
        }
      } catch (const std::exception& e) {
        healthy_error = e.what();
      }
      healthy_count = events + 1;  // done: release the producer whatever happened
    });
    http_client producer(gw().host(), gw().port());
    for (std::uint64_t i = 1; i <= events; ++i) {
      std::string data(event_bytes, static_cast<char>('a' + i % 26));
      data.replace(0, std::to_string(i).size(), std::to_string(i));
      const auto res = producer.post(events_path("slow"), event_json({data, "", -1}));
      EXPECT_EQ(res.status, 200) << res.describe();
      bounded_wait([&] { return healthy_count.load() + 8 >= i; }, 30s, 1ms);
    }
    reader.join();
  }
  EXPECT_EQ(healthy_error, "");
  ASSERT_EQ(healthy_events.size(), events) << "the reading client must get every event";
  for (std::uint64_t i = 0; i < events; ++i) {
    ASSERT_EQ(healthy_events[i].id, epoch + ":" + std::to_string(i + 1));
  }

  const auto dropped = gw().wait_for_telemetry(
      "SseSlowClientDropped",
      [](const boost::json::object& o) { return json_string(o, "stream") == "slow"; }, 10s);
  ASSERT_TRUE(dropped) << gw().diagnostics();
  EXPECT_EQ(gw().telemetry_named("SseSlowClientDropped").size(), 1u)
      << "only the non-reading client is dropped";
  EXPECT_EQ(http().get("/healthz").status, 200);

  // What the slow client got before the drop, then its connection ends.
  std::vector<parsed_event> got;
  while (auto e = slow->next_event(2s)) {
    got.push_back(*e);
  }
  EXPECT_TRUE(slow->connection_closed()) << "the dropped client's connection is closed";
  std::uint64_t last_seen = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].id, epoch + ":" + std::to_string(i + 1)) << "in order until the drop";
    last_seen = i + 1;
  }
  ASSERT_LT(last_seen, events) << "the client cannot have received everything";

  // Its resume gets everything still buffered, with one gap for what was trimmed meanwhile.
  const auto i = info("slow");
  const auto first = static_cast<std::uint64_t>(*json_int(i, "first_seq"));
  ASSERT_EQ(json_int(i, "last_seq"), static_cast<std::int64_t>(events));
  std::vector<expected_item> want;
  if (first > last_seen + 1) {
    want.push_back({expected_item::kind::gap, first - 1, last_seen + 1, {}});
  }
  for (auto s = std::max(first, last_seen + 1); s <= events; ++s) {
    want.push_back({expected_item::kind::event, s, 0, {}});
  }
  auto resumed = subscribe("slow", epoch + ":" + std::to_string(last_seen));
  ASSERT_EQ(resumed->status(), 200);
  auto replay = resumed->collect(want.size(), 20s);
  if (auto extra = resumed->next_event(200ms)) {
    replay.push_back(*extra);
  }
  EXPECT_TRUE(matches_expected(replay, want, epoch));
}

TEST_F(lifecycle_test, sigterm_sends_a_final_comment_finishes_responses_and_exits_0) {
  start({"--shutdown-grace", "3s"});
  append("sd1", "x");
  append("sd2", "y");
  std::vector<std::unique_ptr<sse_client>> subs;
  for (const auto* s : {"sd1", "sd1", "sd2"}) {
    subs.push_back(subscribe(s));
    ASSERT_EQ(subs.back()->status(), 200);
    ASSERT_TRUE(subs.back()->next_event(5s));
  }
  std::vector<std::size_t> comments_before;
  for (auto& s : subs) {
    comments_before.push_back(s->comments_seen());
  }
  ASSERT_TRUE(gw().process().signal(SIGTERM));
  for (std::size_t i = 0; i < subs.size(); ++i) {
    SCOPED_TRACE("subscriber " + std::to_string(i));
    EXPECT_TRUE(subs[i]->wait_closed(10s))
        << "response finished: " << subs[i]->response_done()
        << ", closed: " << subs[i]->connection_closed() << " " << subs[i]->last_error();
    EXPECT_TRUE(subs[i]->response_done()) << "the chunked response must end with its final chunk";
    EXPECT_GT(subs[i]->comments_seen(), comments_before[i]) << "a final comment:\n"
                                                            << subs[i]->raw_body();
    EXPECT_EQ(subs[i]->queued_events(), 0u) << "no event after the shutdown";
  }
  const auto status = gw().process().wait_exit(10s);
  ASSERT_TRUE(status) << "still running 10 s after SIGTERM\n" << gw().diagnostics();
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status) << "\n"
                                             << gw().diagnostics();
}

TEST_F(lifecycle_test, sigterm_without_clients_exits_0_promptly) {
  start();
  append("quiet", "x");
  const auto status = gw().stop(10s);
  ASSERT_TRUE(status) << gw().diagnostics();
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status);
}

TEST_F(lifecycle_test, idle_stream_expires_after_its_ttl) {
  start({"--ttl", "1s"});
  append("short", "x");
  EXPECT_EQ(http().get(stream_path("short")).status, 200);
  const bool gone =
      bounded_wait([&] { return http().get(stream_path("short")).status == 404; }, 10s, 100ms);
  ASSERT_TRUE(gone) << "still there 10 s after a 1 s ttl:\n"
                    << http().get(stream_path("short")).describe();
  EXPECT_TRUE(is_api_error(http().get(stream_path("short")), 404, "stream_not_found"));
  auto sub = subscribe("short", "abcdef:1");
  EXPECT_EQ(sub->status(), 404);
  const auto expired = gw().wait_for_telemetry(
      "SseStreamExpired",
      [](const boost::json::object& o) { return json_string(o, "stream") == "short"; });
  ASSERT_TRUE(expired) << gw().diagnostics();
  // Created again later: a new stream from seq 1.
  EXPECT_EQ(json_int(append("short", "y"), "first_seq"), 1);
}

TEST_F(lifecycle_test, ended_stream_stays_resumable_for_the_end_retention_only) {
  start({"--end-retention", "1s"});
  const auto epoch = *json_string(append("ret", "x"), "epoch");
  end_stream("ret");
  auto early = subscribe("ret", epoch + ":0");
  ASSERT_EQ(early->status(), 200);
  const auto events = early->collect(2, 5s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].event, "end");
  const bool gone =
      bounded_wait([&] { return http().get(stream_path("ret")).status == 404; }, 10s, 100ms);
  ASSERT_TRUE(gone) << "still there 10 s after a 1 s end retention";
  auto late = subscribe("ret", epoch + ":1");
  EXPECT_EQ(late->status(), 404);
  const auto expired = gw().wait_for_telemetry(
      "SseStreamExpired",
      [](const boost::json::object& o) { return json_string(o, "stream") == "ret"; });
  ASSERT_TRUE(expired) << gw().diagnostics();
}

}  // namespace
}  // namespace sse::test
