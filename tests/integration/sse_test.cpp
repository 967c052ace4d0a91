// The SSE wire format over a real socket: headers, `retry:` first, exact event framing, data
// with LF/CRLF/CR round-tripping through a WHATWG parser, heartbeats, live delivery.
#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class sse_test : public gateway_test {};

TEST_F(sse_test, response_headers_and_retry_first) {
  start({"--retry-ms", "2500"});
  http().put(stream_path("h"));
  auto sub = subscribe("h");
  ASSERT_EQ(sub->status(), 200);
  EXPECT_EQ(sub->header("Content-Type").value_or("").rfind("text/event-stream", 0), 0u)
      << sub->header("Content-Type").value_or("(none)");
  EXPECT_EQ(sub->header("Cache-Control"), "no-cache");
  EXPECT_EQ(sub->header("X-Accel-Buffering"), "no");
  append("h", "x");
  ASSERT_TRUE(sub->next_event(5s));
  EXPECT_EQ(sub->raw_body().rfind("retry: 2500\n", 0), 0u) << sub->raw_body();
}

TEST_F(sse_test, event_framing_is_exact) {
  start();
  const auto epoch = *json_string(append("f", "hello"), "epoch");
  append("f", event_spec{"a\nb", "token", -1});
  append("f", event_spec{"x\r\ny\rz", "", 3});
  append("f", event_spec{"{\"json\":true}", "delta.v1", 0});
  auto sub = subscribe("f");
  ASSERT_EQ(sub->status(), 200);
  ASSERT_EQ(sub->collect(4, 5s).size(), 4u);
  const std::string expected = "id: " + epoch + ":1\ndata: hello\n\n" + "id: " + epoch +
                               ":2\nevent: token\ndata: a\ndata: b\n\n" + "id: " + epoch +
                               ":3\ndata: x\ndata: y\ndata: z\n\n" + "id: " + epoch +
                               ":4\nevent: delta.v1\ndata: {\"json\":true}\n\n";
  const auto& raw = sub->raw_body();
  ASSERT_EQ(raw.rfind("retry: 1000\n", 0), 0u) << raw;
  const auto first_id = raw.find("id: ");
  ASSERT_NE(first_id, std::string::npos) << raw;
  // Between `retry:` and the first event only blank lines (no comment, no stray field).
  EXPECT_EQ(raw.substr(0, first_id).find_first_not_of("\n", 12), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(first_id), expected);
}

TEST_F(sse_test, any_data_round_trips_through_a_real_parser) {
  start();
  const std::vector<std::string> payloads{
      "plain",
      "",
      "two\nlines",
      "crlf\r\nline",
      "cr\rline",
      "mixed\r\n\r\rends\n",
      "\nleading newline",
      "trailing newline\n",
      ": looks like a comment\nid: 99\nevent: fake\nretry: 1",
      "unicode h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80",
      "  spaces  \t tabs ",
      std::string(20000, 'L') + "\n" + std::string(10, 'S'),
  };
  // What an EventSource must see: every line ending (CRLF, LF or CR) becomes LF.
  auto normalized = [](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\r') {
        out += '\n';
        if (i + 1 < s.size() && s[i + 1] == '\n') {
          ++i;
        }
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::vector<event_spec> batch;
  for (const auto& p : payloads) {
    batch.push_back({p, "", -1});
  }
  append_batch("rt", batch);
  auto sub = subscribe("rt");
  const auto events = sub->collect(payloads.size(), 10s);
  ASSERT_EQ(events.size(), payloads.size()) << describe_events(events);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_EQ(events[i].data, normalized(payloads[i])) << "payload " << i;
    EXPECT_EQ(events[i].event, "") << "payload " << i;
    EXPECT_EQ(parse_event_id(events[i].id)->seq, i + 1);
  }
}

TEST_F(sse_test, live_events_arrive_after_replay_in_order) {
  start();
  const auto epoch = *json_string(append("live", "r1"), "epoch");
  auto sub = subscribe("live");
  const auto replayed = sub->next_event(5s);
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->id, epoch + ":1");
  append("live", event_spec{"l2", "tok", -1});
  append_batch("live", {{"l3", "", -1}, {"l4", "", -1}});
  const auto live = sub->collect(3, 5s);
  ASSERT_EQ(live.size(), 3u) << describe_events(live);
  EXPECT_EQ(live[0].id, epoch + ":2");
  EXPECT_EQ(live[0].event, "tok");
  EXPECT_EQ(live[0].data, "l2");
  EXPECT_EQ(live[1].id, epoch + ":3");
  EXPECT_EQ(live[2].id, epoch + ":4");
  EXPECT_FALSE(sub->next_event(200ms)) << "nothing else was appended";
}

TEST_F(sse_test, heartbeat_comments_arrive_while_idle) {
  start({"--heartbeat", "200ms"});
  http().put(stream_path("hb"));
  auto sub = subscribe("hb");
  ASSERT_EQ(sub->status(), 200);
  EXPECT_TRUE(sub->wait_comments(3, 5s)) << "comments seen: " << sub->comments_seen() << "\n"
                                         << sub->raw_body();
  EXPECT_EQ(sub->queued_events(), 0u) << "heartbeats are comments, not events";
  EXPECT_FALSE(sub->connection_closed());
  // Still a working subscription after the heartbeats.
  append("hb", "after");
  const auto e = sub->next_event(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "after");
}

TEST_F(sse_test, without_heartbeat_flag_no_comment_arrives_quickly) {
  start();  // default heartbeat 15 s
  http().put(stream_path("quiet"));
  auto sub = subscribe("quiet");
  sub->pump_for(500ms);
  EXPECT_EQ(sub->comments_seen(), 0u) << sub->raw_body();
}

TEST_F(sse_test, unknown_stream_subscription_is_404_json) {
  start();
  auto sub = subscribe("never-created");
  EXPECT_EQ(sub->status(), 404);
  http_response res;
  res.status = sub->status();
  res.headers = sub->headers();
  res.body = sub->body_text();
  EXPECT_TRUE(is_api_error(res, 404, "stream_not_found"));
}

TEST_F(sse_test, many_subscribers_get_the_same_live_events) {
  start();
  http().put(stream_path("fan"));
  std::vector<std::unique_ptr<sse_client>> subs;
  for (int i = 0; i < 20; ++i) {
    subs.push_back(subscribe("fan"));
    ASSERT_EQ(subs.back()->status(), 200);
  }
  std::vector<event_spec> batch;
  for (int i = 1; i <= 50; ++i) {
    batch.push_back({"e" + std::to_string(i), "", -1});
  }
  append_batch("fan", batch);
  for (auto& s : subs) {
    const auto events = s->collect(50, 10s);
    ASSERT_EQ(events.size(), 50u);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(events[i].data, "e" + std::to_string(i + 1));
    }
  }
}

}  // namespace
}  // namespace sse::test
