// Resume: from every position of a stream through Last-Event-ID and ?last_event_id= (both id
// forms), gaps for trimmed seqs, reset for another epoch or a point ahead, the end event, 204.
#include <boost/json/parse.hpp>

#include "buffer_model.hpp"
#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class resume_test : public gateway_test {};

std::string data_of(std::uint64_t seq) {
  return "event " + std::to_string(seq);
}

std::vector<expected_item> events_from(std::uint64_t first, std::uint64_t last) {
  std::vector<expected_item> out;
  for (auto s = first; s <= last; ++s) {
    out.push_back({expected_item::kind::event, s, 0, {}});
  }
  return out;
}

/// Reads a subscription to its end event (the stream was ended) and checks it closes.
std::vector<parsed_event> read_to_end(sse_client& sub) {
  auto events = sub.collect_until([](const parsed_event& e) { return e.event == "end"; }, 10s);
  EXPECT_TRUE(sub.wait_closed(5s))
      << "response finished: " << sub.response_done() << ", closed: " << sub.connection_closed()
      << " " << sub.last_error();
  return events;
}

TEST_F(resume_test, from_every_position_by_header_and_by_query_in_both_forms) {
  start();
  constexpr std::uint64_t n = 30;
  std::string epoch;
  for (std::uint64_t s = 1; s <= n; s += 3) {
    const auto res = append_batch(
        "every", {{data_of(s), "", -1}, {data_of(s + 1), "", -1}, {data_of(s + 2), "", -1}});
    epoch = *json_string(res, "epoch");
  }
  const auto end_seq = *json_int(end_stream("every"), "last_seq");
  ASSERT_EQ(end_seq, static_cast<std::int64_t>(n + 1));

  for (std::uint64_t from = 0; from <= n; ++from) {
    auto want = events_from(from + 1, n);
    want.push_back({expected_item::kind::end, n + 1, 0, {}});
    const std::string id = epoch + ":" + std::to_string(from);
    {
      SCOPED_TRACE("Last-Event-ID: " + id);
      auto sub = subscribe("every", id);
      ASSERT_EQ(sub->status(), 200);
      EXPECT_TRUE(matches_expected(read_to_end(*sub), want, epoch, data_of));
    }
    {
      SCOPED_TRACE("?last_event_id=" + id);
      auto sub =
          subscribe("every", std::nullopt, "last_event_id=" + epoch + "%3A" + std::to_string(from));
      ASSERT_EQ(sub->status(), 200);
      EXPECT_TRUE(matches_expected(read_to_end(*sub), want, epoch, data_of));
    }
    {
      SCOPED_TRACE("?last_event_id=" + std::to_string(from));
      auto sub = subscribe("every", std::nullopt, "last_event_id=" + std::to_string(from));
      ASSERT_EQ(sub->status(), 200);
      EXPECT_TRUE(matches_expected(read_to_end(*sub), want, epoch, data_of));
    }
    {
      SCOPED_TRACE("bare Last-Event-ID: " + std::to_string(from));
      auto sub = subscribe("every", std::to_string(from));
      ASSERT_EQ(sub->status(), 200);
      EXPECT_TRUE(matches_expected(read_to_end(*sub), want, epoch, data_of));
    }
  }
}

TEST_F(resume_test, the_header_wins_over_the_query_parameter) {
  start();
  const auto epoch = *json_string(
      append_batch("hq", {{data_of(1), "", -1}, {data_of(2), "", -1}, {data_of(3), "", -1}}),
      "epoch");
  end_stream("hq");
  auto sub = subscribe("hq", epoch + ":2", "last_event_id=" + epoch + "%3A0");
  auto want = events_from(3, 3);
  want.push_back({expected_item::kind::end, 4, 0, {}});
  EXPECT_TRUE(matches_expected(read_to_end(*sub), want, epoch, data_of));
}

TEST_F(resume_test, live_resume_continues_with_new_events) {
  start();
  const auto epoch =
      *json_string(append_batch("lr", {{data_of(1), "", -1}, {data_of(2), "", -1}}), "epoch");
  auto sub = subscribe("lr", epoch + ":1");
  auto first = sub->next_event(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, epoch + ":2");
  append("lr", data_of(3));
  auto live = sub->next_event(5s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->id, epoch + ":3");
  EXPECT_EQ(live->data, data_of(3));
}

// Priorities chosen so that specific seqs are trimmed (limit 5), checked against the model:
// seq:      1 2 3 4 5 6 7 8 9 10 11
// priority: 1 0 2 0 1 3 1 0 1 1  0   -> trimmed 2, 4, 8, 1, 5, 11 (11 at once: a trailing gap)
TEST_F(resume_test, gaps_announce_exactly_the_trimmed_seqs_for_every_resume_point) {
  start({"--buffer-limit", "5"});
  const std::vector<int> priorities{1, 0, 2, 0, 1, 3, 1, 0, 1, 1, 0};
  buffer_model model(5);
  std::string epoch;
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    const auto res = append("gaps", event_spec{data_of(i + 1), "", priorities[i]});
    epoch = *json_string(res, "epoch");
    const auto evicted = model.append({priorities[i]});
    EXPECT_EQ(json_int(res, "trimmed"), static_cast<std::int64_t>(evicted.size()))
        << "append of seq " << i + 1;
  }
  ASSERT_EQ(model.trimmed(), (std::vector<std::uint64_t>{2, 4, 8, 1, 5, 11}));

  const auto i = info("gaps");
  EXPECT_EQ(json_int(i, "first_seq"), 3);
  EXPECT_EQ(json_int(i, "last_seq"), 11);
  EXPECT_EQ(json_int(i, "buffered_count"), 5);
  EXPECT_EQ(json_int(i, "trimmed_count"), 6);

  for (std::uint64_t from = 0; from <= model.last_seq(); ++from) {
    SCOPED_TRACE("resume from " + std::to_string(from));
    const auto want = model.replay_after(from);
    auto sub =
        from == 0 ? subscribe("gaps") : subscribe("gaps", epoch + ":" + std::to_string(from));
    ASSERT_EQ(sub->status(), 200);
    auto got = sub->collect(want.size(), 5s);
    // Nothing more may follow (the stream is open: wait a little for a stray event).
    if (auto extra = sub->next_event(150ms)) {
      got.push_back(*extra);
    }
    EXPECT_TRUE(matches_expected(got, want, epoch, data_of));
  }
}

TEST_F(resume_test, gaps_under_the_byte_limit_and_in_batches) {
  start({"--buffer-limit", "1000", "--buffer-max-bytes", "300"});
  buffer_model model(1000, 300);
  std::string epoch;
  // Each event: 30 bytes of data + no type + 64 per event (README) = 94 bytes; 3 fit in 300.
  constexpr std::size_t event_bytes = 30 + 64;
  auto payload = [](std::uint64_t seq) {
    std::string s = data_of(seq);
    s.resize(30, '.');
    return s;
  };
  const std::vector<std::vector<int>> appends{{1, 1}, {2, 0, 1}, {1}, {0, 0, 3, 1}};
  std::uint64_t seq = 0;
  for (const auto& prios : appends) {
    std::vector<event_spec> batch;
    std::vector<std::size_t> sizes;
    for (const int p : prios) {
      batch.push_back({payload(++seq), "", p});
      sizes.push_back(event_bytes);
    }
    const auto res = append_batch("bytes", batch);
    epoch = *json_string(res, "epoch");
    const auto evicted = model.append(prios, sizes);
    EXPECT_EQ(json_int(res, "trimmed"), static_cast<std::int64_t>(evicted.size()));
  }
  EXPECT_EQ(json_int(info("bytes"), "buffered_bytes"),
            static_cast<int>(event_bytes * model.buffered()));
  for (std::uint64_t from = 0; from <= model.last_seq(); ++from) {
    SCOPED_TRACE("resume from " + std::to_string(from));
    const auto want = model.replay_after(from);
    auto sub = subscribe("bytes", epoch + ":" + std::to_string(from));
    auto got = sub->collect(want.size(), 5s);
    if (auto extra = sub->next_event(150ms)) {
      got.push_back(*extra);
    }
    EXPECT_TRUE(matches_expected(got, want, epoch, payload));
  }
}

TEST_F(resume_test, live_subscribers_receive_events_trimmed_at_once) {
  start({"--buffer-limit", "1"});
  const auto epoch = *json_string(http().put(stream_path("tl")).json_object(), "epoch");
  auto sub = subscribe("tl");
  ASSERT_EQ(sub->status(), 200);
  std::vector<event_spec> batch;
  for (int i = 1; i <= 5; ++i) {
    batch.push_back({data_of(i), "", 0});
  }
  append_batch("tl", batch);
  append("tl", event_spec{data_of(6), "", 0});
  const auto events = sub->collect(6, 5s);
  EXPECT_TRUE(matches_expected(events, events_from(1, 6), epoch, data_of));

  // A later resume can only replay what is left: a gap, then seq 6.
  auto late = subscribe("tl", epoch + ":0");
  const auto replay = late->collect(2, 5s);
  EXPECT_TRUE(matches_expected(
      replay, {{expected_item::kind::gap, 5, 1, {}}, {expected_item::kind::event, 6, 0, {}}}, epoch,
      data_of));
}

TEST_F(resume_test, another_epoch_gets_reset_then_the_stream_from_seq_1) {
  start();
  const auto epoch = *json_string(
      append_batch("re", {{data_of(1), "", -1}, {data_of(2), "", -1}, {data_of(3), "", -1}}),
      "epoch");
  const std::string foreign = epoch == "zzzzzz9" ? "yyyyyy9" : "zzzzzz9";
  auto sub = subscribe("re", foreign + ":2");
  ASSERT_EQ(sub->status(), 200);
  auto got = sub->collect(4, 5s);
  std::vector<expected_item> want{{expected_item::kind::reset, 3, 0, "epoch"}};
  for (const auto& e : events_from(1, 3)) {
    want.push_back(e);
  }
  EXPECT_TRUE(matches_expected(got, want, epoch, data_of));
  if (!got.empty()) {
    EXPECT_EQ(got[0].id, epoch + ":0") << "README: reset carries id <epoch>:0";
  }
  // Live continues after the reset.
  append("re", data_of(4));
  const auto live = sub->next_event(5s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->id, epoch + ":4");
}

TEST_F(resume_test, a_point_ahead_of_the_last_seq_gets_reset_ahead) {
  start();
  const auto epoch =
      *json_string(append_batch("ah", {{data_of(1), "", -1}, {data_of(2), "", -1}}), "epoch");
  std::vector<expected_item> want{{expected_item::kind::reset, 2, 0, "ahead"}};
  for (const auto& e : events_from(1, 2)) {
    want.push_back(e);
  }
  {
    SCOPED_TRACE("Last-Event-ID ahead");
    auto sub = subscribe("ah", epoch + ":3");
    ASSERT_EQ(sub->status(), 200);
    EXPECT_TRUE(matches_expected(sub->collect(3, 5s), want, epoch, data_of));
  }
  {
    SCOPED_TRACE("bare query ahead");
    auto sub = subscribe("ah", std::nullopt, "last_event_id=1000");
    ASSERT_EQ(sub->status(), 200);
    EXPECT_TRUE(matches_expected(sub->collect(3, 5s), want, epoch, data_of));
  }
}

TEST_F(resume_test, end_event_finishes_the_response_and_a_reconnect_at_or_past_it_is_204) {
  start();
  const auto epoch = *json_string(append("end", data_of(1)), "epoch");
  auto live = subscribe("end");
  ASSERT_TRUE(live->next_event(5s));
  const auto answer = end_stream("end");
  const auto end_seq = *json_int(answer, "last_seq");
  ASSERT_EQ(end_seq, 2);
  const auto end = live->next_event(5s);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->event, "end");
  EXPECT_EQ(end->id, epoch + ":2");
  EXPECT_EQ(boost::json::parse(end->data), boost::json::parse(R"({"status":"completed"})"));
  EXPECT_TRUE(live->wait_closed(5s))
      << "final chunk: " << live->response_done() << ", closed: " << live->connection_closed()
      << " " << live->last_error();
  EXPECT_TRUE(live->response_done()) << "the chunked response must end with its final chunk";

  for (const std::string& id : {epoch + ":2", std::string("2")}) {
    SCOPED_TRACE("reconnect with " + id);
    auto again = subscribe("end", id);
    EXPECT_EQ(again->status(), 204);
    EXPECT_TRUE(again->response_done());
    EXPECT_EQ(again->body_text(), "");
  }
  auto by_query = subscribe("end", std::nullopt, "last_event_id=" + epoch + "%3A2");
  EXPECT_EQ(by_query->status(), 204);

  // Before the end: replay then end, then the response finishes.
  auto replay = subscribe("end", epoch + ":0");
  const auto events = read_to_end(*replay);
  EXPECT_TRUE(matches_expected(
      events, {{expected_item::kind::event, 1, 0, {}}, {expected_item::kind::end, 2, 0, {}}}, epoch,
      data_of));
}

TEST_F(resume_test, a_reconnect_past_the_end_event_is_204_too) {
  start();
  const auto epoch = *json_string(append("past", data_of(1)), "epoch");
  ASSERT_EQ(json_int(end_stream("past"), "last_seq"), 2);
  // The API's promise: "A reconnect whose resume point is at or past the end event gets 204 No
  // Content".
  for (const std::string& id : {epoch + ":3", epoch + ":100", std::string("3")}) {
    SCOPED_TRACE("reconnect with " + id);
    auto again = subscribe("past", id);
    EXPECT_EQ(again->status(), 204);
    EXPECT_TRUE(again->response_done());
    EXPECT_EQ(again->body_text(), "");
  }
}

}  // namespace
}  // namespace sse::test
