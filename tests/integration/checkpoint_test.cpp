// Checkpoints over real SSE: a chat answer of 4,000 tokens, one event each, with a
// checkpoint holding the text so far every 1,000 tokens. A tab opened at token 3,000 (and one at
// 3,500) gets a `gap` (reason checkpoint), exactly one checkpoint, then every later token once,
// then `end`; not the thousands of deltas before. Also: the strict `checkpoint` field and
// `?history=` parameter, ?history=full, and the checkpoint-start metric.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

constexpr int tokens = 4000;
constexpr int batch = 100;
constexpr int checkpoint_every = 1000;

std::string token(int k) {
  return "t" + std::to_string(k) + " ";
}

std::string text_through(int k) {
  std::string out;
  for (int i = 1; i <= k; ++i) {
    out += token(i);
  }
  return out;
}

class checkpoint_test : public gateway_test {
 protected:
  // Appends tokens (from, to] in NDJSON batches of `batch`, each 1,000th token followed by a
  // checkpoint (type "snapshot", data the text so far), except at the last token (end follows).
  void produce(int from, int to) {
    for (int first = from + 1; first <= to; first += batch) {
      std::vector<event_spec> events;
      for (int k = first; k < first + batch && k <= to; ++k) {
        events.push_back({token(k), "", -1});
        if (k % checkpoint_every == 0 && k < tokens) {
          events.push_back({text_through(k), "snapshot", -1, true});
        }
      }
      append_batch("answer", events);
    }
  }
};

struct seen {
  std::vector<parsed_event> gaps;
  std::vector<parsed_event> checkpoints;
  std::vector<int> token_numbers;  // in arrival order
  bool ended = false;
  bool ids_ascend = true;
};

seen classify(const std::vector<parsed_event>& events) {
  seen s;
  std::uint64_t last_seq = 0;
  for (const auto& e : events) {
    if (auto pos = parse_event_id(e.id)) {
      s.ids_ascend = s.ids_ascend && pos->seq > last_seq;
      last_seq = pos->seq;
    }
    if (e.event == "gap") {
      s.gaps.push_back(e);
    } else if (e.event == "snapshot") {
      s.checkpoints.push_back(e);
    } else if (e.event == "end") {
      s.ended = true;
    } else if (e.data.size() > 2 && e.data[0] == 't') {
      s.token_numbers.push_back(std::stoi(e.data.substr(1)));
    }
  }
  return s;
}

// A tab opened at token `join` (checkpoints before it at every 1,000th token) must see: the gap
// naming seqs 1..(checkpoint seq - 1), the one checkpoint, then tokens checkpoint+1..4000.
void expect_late_join(const seen& s, int join, std::uint64_t checkpoint_seq) {
  const int k = join / checkpoint_every * checkpoint_every;
  ASSERT_EQ(s.gaps.size(), 1u);
  const auto gap = boost::json::parse(s.gaps[0].data).as_object();
  EXPECT_EQ(*json_int(gap, "from"), 1);
  EXPECT_EQ(*json_int(gap, "to"), static_cast<std::int64_t>(checkpoint_seq - 1));
  EXPECT_EQ(*json_string(gap, "reason"), "checkpoint");
  ASSERT_EQ(s.checkpoints.size(), 1u) << "exactly one checkpoint";
  EXPECT_EQ(s.checkpoints[0].data, text_through(k));
  EXPECT_EQ(parse_event_id(s.checkpoints[0].id)->seq, checkpoint_seq);
  std::vector<int> want;
  for (int i = k + 1; i <= tokens; ++i) {
    want.push_back(i);
  }
  EXPECT_EQ(s.token_numbers, want) << "every later token once, in order";
  EXPECT_TRUE(s.ended);
  EXPECT_TRUE(s.ids_ascend);
}

TEST_F(checkpoint_test, late_joiners_get_one_checkpoint_then_the_tail_once) {
  // 1,500 events: more than one checkpoint interval, far less than the whole answer, so the
  // buffer trims, superseded events first, and what a joiner needs is always kept.
  start({"--buffer-limit", "1500"});
  produce(0, 3000);
  // Seq of the checkpoint after token k: k tokens plus the k/1000 checkpoints so far.
  const std::uint64_t checkpoint_3000 = 3000 + 3;

  auto at_3000 = subscribe("answer");
  ASSERT_EQ(at_3000->status(), 200);
  produce(3000, 3500);
  auto at_3500 = subscribe("answer");
  ASSERT_EQ(at_3500->status(), 200);
  produce(3500, tokens);
  end_stream("answer");

  auto is_end = [](const parsed_event& e) { return e.event == "end"; };
  {
    SCOPED_TRACE("tab opened at token 3,000");
    expect_late_join(classify(at_3000->collect_until(is_end, 20s)), 3000, checkpoint_3000);
  }
  {
    SCOPED_TRACE("tab opened at token 3,500");
    expect_late_join(classify(at_3500->collect_until(is_end, 20s)), 3500, checkpoint_3000);
  }
  {
    // A reconnect from before the checkpoint (token 2,500 = seq 2502) starts there too.
    SCOPED_TRACE("resume from token 2,500");
    auto sub = subscribe("answer", std::string("2502"));
    ASSERT_EQ(sub->status(), 200);
    auto s = classify(sub->collect_until(is_end, 20s));
    ASSERT_EQ(s.gaps.size(), 1u);
    const auto gap = boost::json::parse(s.gaps[0].data).as_object();
    EXPECT_EQ(*json_int(gap, "from"), 2503);
    EXPECT_EQ(*json_int(gap, "to"), static_cast<std::int64_t>(checkpoint_3000 - 1));
    EXPECT_EQ(*json_string(gap, "reason"), "checkpoint");
    EXPECT_EQ(s.checkpoints.size(), 1u);
    EXPECT_EQ(s.token_numbers.size(), 1000u);
    const auto success = gw().wait_for_telemetry(
        "SseResumeSuccess", [](const auto& o) { return json_string(o, "start") == "checkpoint"; });
    ASSERT_TRUE(success) << gw().diagnostics();
    EXPECT_EQ(json_int(*success, "skipped_events"), 500) << boost::json::serialize(*success);
  }
  // The trims of events older than the checkpoint say so.
  const auto superseded = gw().wait_for_telemetry(
      "SseBufferTrimmed", [](const auto& o) { return json_string(o, "reason") == "superseded"; });
  ASSERT_TRUE(superseded) << gw().diagnostics();
  EXPECT_LT(*json_int(*superseded, "seq"), static_cast<std::int64_t>(checkpoint_3000));
  {
    // A resume point after the checkpoint: as without checkpoints.
    SCOPED_TRACE("resume after the checkpoint");
    auto sub = subscribe("answer", std::to_string(checkpoint_3000 + 10));
    auto s = classify(sub->collect_until(is_end, 20s));
    EXPECT_TRUE(s.gaps.empty());
    EXPECT_TRUE(s.checkpoints.empty());
    EXPECT_EQ(s.token_numbers.size(), 990u);
  }
  {
    // ?history=full: the whole buffer, which no longer starts at seq 1 (trimmed, reason
    // trimmed), and holds the 1,000 tokens before the checkpoint too.
    SCOPED_TRACE("?history=full");
    auto sub = subscribe("answer", std::nullopt, "history=full");
    ASSERT_EQ(sub->status(), 200);
    auto s = classify(sub->collect_until(is_end, 20s));
    ASSERT_FALSE(s.gaps.empty());
    const auto gap = boost::json::parse(s.gaps[0].data).as_object();
    EXPECT_EQ(*json_string(gap, "reason"), "trimmed");
    EXPECT_GT(s.token_numbers.size(), 1000u);
    EXPECT_TRUE(s.ended);
  }
  const std::string metrics = scrape_metrics();
  EXPECT_EQ(metric_value(metrics, "sse_gateway_checkpoint_starts_total"), 3.0);
  // 3002 + 3002 + (3002 - 2502) seqs the joiners were spared.
  EXPECT_EQ(metric_value(metrics, "sse_gateway_checkpoint_skipped_events_total"), 6504.0);
}

TEST_F(checkpoint_test, checkpoint_field_and_history_parameter_are_strict) {
  start();
  for (const char* bad : {R"({"data":"x","checkpoint":"true"})", R"({"data":"x","checkpoint":1})",
                          R"({"data":"x","checkpoint":{}})"}) {
    auto res = http().post(events_path("strict"), bad, "application/json");
    EXPECT_TRUE(is_api_error(res, 400, "invalid_event")) << bad;
    EXPECT_NE(res.body.find("\\\"checkpoint\\\""), std::string::npos) << res.body;
  }
  auto res =
      http().post(events_path("strict"), "{\"data\":\"a\"}\n{\"data\":\"b\",\"checkpoint\":0}\n",
                  "application/x-ndjson");
  EXPECT_TRUE(is_api_error(res, 400, "invalid_event"));
  EXPECT_NE(res.body.find("line 2"), std::string::npos) << res.body;
  append("strict", event_spec{"a", "", -1, true});
  for (const char* q : {"history=", "history=Full", "history=all"}) {
    auto sub = subscribe("strict", std::nullopt, q);
    http_response r{sub->status(), "", sub->headers(), sub->body_text()};
    EXPECT_TRUE(is_api_error(r, 400, "invalid_argument")) << q;
    EXPECT_NE(r.body.find("\\\"history\\\""), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace sse::test
