// The v1 JSON API over real HTTP: append (single and NDJSON), create, info, delete, end,
// Producer-Seq idempotency.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <regex>

#include "gateway_test.hpp"
#include "json_lines.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

bool is_epoch(const boost::json::object& o) {
  const auto e = json_string(o, "epoch");
  return e && std::regex_match(*e, std::regex("[a-z0-9]{6,12}"));
}

class api_test : public gateway_test {
 protected:
  void SetUp() override { start(); }
};

TEST_F(api_test, append_single_event_answers_seqs_epoch_and_trimmed) {
  const auto first = append("s1", event_spec{"hello", "token", 2});
  EXPECT_TRUE(is_epoch(first)) << boost::json::serialize(first);
  EXPECT_EQ(json_int(first, "first_seq"), 1);
  EXPECT_EQ(json_int(first, "last_seq"), 1);
  EXPECT_EQ(json_int(first, "trimmed"), 0);

  const auto second = append("s1", "world");
  EXPECT_EQ(json_string(second, "epoch"), json_string(first, "epoch"));
  EXPECT_EQ(json_int(second, "first_seq"), 2);
  EXPECT_EQ(json_int(second, "last_seq"), 2);
  EXPECT_EQ(json_int(second, "trimmed"), 0);

  const auto other = append("s2", "x");
  EXPECT_EQ(json_int(other, "first_seq"), 1) << "seqs are per stream";
  EXPECT_NE(json_string(other, "epoch"), json_string(first, "epoch"));
}

TEST_F(api_test, ndjson_batch_is_appended_in_order_with_consecutive_seqs) {
  append("b", "before");
  const auto res = append_batch(
      "b", {{"one", "", -1}, {"two\nlines", "t", 0}, {"three", "", 3}, {"four", "x.y:z-1_", 1}});
  EXPECT_TRUE(is_epoch(res));
  EXPECT_EQ(json_int(res, "first_seq"), 2);
  EXPECT_EQ(json_int(res, "last_seq"), 5);
  EXPECT_EQ(json_int(res, "trimmed"), 0);

  end_stream("b");
  auto sub = subscribe("b");
  ASSERT_EQ(sub->status(), 200);
  const auto events = sub->collect(6, 5s);
  ASSERT_EQ(events.size(), 6u) << describe_events(events);
  EXPECT_EQ(events[1].data, "one");
  EXPECT_EQ(events[2].data, "two\nlines");
  EXPECT_EQ(events[2].event, "t");
  EXPECT_EQ(events[3].data, "three");
  EXPECT_EQ(events[4].event, "x.y:z-1_");
  EXPECT_EQ(events[5].event, "end");
}

TEST_F(api_test, ndjson_tolerates_a_final_line_without_newline) {
  const auto res =
      http().post(events_path("nl"), "{\"data\":\"a\"}\n{\"data\":\"b\"}", "application/x-ndjson");
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(json_int(res.json_object(), "last_seq"), 2);
}

using api_flags_test = gateway_test;

TEST_F(api_flags_test, trimmed_counts_the_events_an_append_evicted) {
  start({"--buffer-limit", "3"});
  append_batch("t", {{"1", "", 1}, {"2", "", 1}, {"3", "", 1}});
  const auto one = append("t", "4");
  EXPECT_EQ(json_int(one, "trimmed"), 1);
  const auto batch = append_batch("t", {{"5", "", 1}, {"6", "", 1}, {"7", "", 1}, {"8", "", 1}});
  EXPECT_EQ(json_int(batch, "first_seq"), 5);
  EXPECT_EQ(json_int(batch, "last_seq"), 8);
  EXPECT_EQ(json_int(batch, "trimmed"), 4) << "3 older events plus one of the batch itself";
  const auto i = info("t");
  EXPECT_EQ(json_int(i, "trimmed_count"), 5);
  EXPECT_EQ(json_int(i, "buffered_count"), 3);
  EXPECT_EQ(json_int(i, "first_seq"), 6);
}

TEST_F(api_test, info_reports_status_seqs_buffer_and_times) {
  append_batch("inf", {{"abc", "", 1}, {"de", "ty", 1}});
  const auto i = info("inf");
  EXPECT_TRUE(is_epoch(i)) << boost::json::serialize(i);
  EXPECT_EQ(json_string(i, "status"), "open") << boost::json::serialize(i);
  EXPECT_EQ(json_int(i, "last_seq"), 2);
  EXPECT_EQ(json_int(i, "first_seq"), 1);
  EXPECT_EQ(json_int(i, "buffered_count"), 2);
  EXPECT_EQ(json_int(i, "buffered_bytes"), 3 + 2 + 2 + 2 * 64)
      << "data plus type bytes plus 64 per event";
  EXPECT_EQ(json_int(i, "trimmed_count"), 0);
  EXPECT_TRUE(i.contains("created_at")) << boost::json::serialize(i);
  EXPECT_TRUE(i.contains("updated_at")) << boost::json::serialize(i);
  const auto expiry = json_int(i, "expires_in_seconds");
  ASSERT_TRUE(expiry) << boost::json::serialize(i);
  EXPECT_GT(*expiry, 3000) << "default ttl is 1h";
  EXPECT_LE(*expiry, 3600);

  end_stream("inf");
  const auto ended = info("inf");
  EXPECT_EQ(json_string(ended, "status"), "completed") << boost::json::serialize(ended);
  EXPECT_EQ(json_int(ended, "last_seq"), 3);
  EXPECT_EQ(json_string(ended, "epoch"), json_string(i, "epoch"));
}

TEST_F(api_test, put_creates_with_201_then_answers_200_with_the_same_epoch) {
  const auto created = http().put(stream_path("p"));
  ASSERT_EQ(created.status, 201) << created.describe();
  EXPECT_TRUE(is_epoch(created.json_object())) << created.describe();
  const auto again = http().put(stream_path("p"));
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(json_string(again.json_object(), "epoch"), json_string(created.json_object(), "epoch"));
  const auto i = info("p");
  EXPECT_EQ(json_int(i, "last_seq"), 0);
  EXPECT_EQ(json_int(i, "buffered_count"), 0);
  EXPECT_EQ(json_string(i, "epoch"), json_string(created.json_object(), "epoch"));
}

TEST_F(api_test, put_with_options_sets_the_stream_buffer_limit_and_ttl) {
  const auto created = http().put(stream_path("opt"), R"({"buffer_limit":2,"ttl_seconds":120})");
  ASSERT_EQ(created.status, 201) << created.describe();
  append_batch("opt", {{"a", "", 1}, {"b", "", 1}, {"c", "", 1}});
  const auto i = info("opt");
  EXPECT_EQ(json_int(i, "buffered_count"), 2) << boost::json::serialize(i);
  EXPECT_EQ(json_int(i, "trimmed_count"), 1);
  const auto expiry = json_int(i, "expires_in_seconds");
  ASSERT_TRUE(expiry);
  EXPECT_LE(*expiry, 120);
  EXPECT_GT(*expiry, 60);
}

TEST_F(api_test, delete_answers_204_then_404_and_the_stream_is_gone) {
  const auto epoch = json_string(append("d", "x"), "epoch");
  const auto del = http().del(stream_path("d"));
  EXPECT_EQ(del.status, 204) << del.describe();
  EXPECT_TRUE(del.body.empty());
  EXPECT_TRUE(is_api_error(http().del(stream_path("d")), 404, "stream_not_found"));
  EXPECT_TRUE(is_api_error(http().get(stream_path("d")), 404, "stream_not_found"));
  auto sub = subscribe("d");
  EXPECT_EQ(sub->status(), 404);
  // Created again: a new incarnation with a new epoch and seqs from 1.
  const auto again = append("d", "y");
  EXPECT_EQ(json_int(again, "first_seq"), 1);
  EXPECT_NE(json_string(again, "epoch"), epoch);
}

TEST_F(api_test, end_appends_the_end_event_and_later_appends_are_409) {
  append_batch("e", {{"a", "", 1}, {"b", "", 1}});
  const auto ended = http().post(stream_path("e") + "/end", R"({"status":"failed"})");
  ASSERT_EQ(ended.status, 200) << ended.describe();
  const auto answer = ended.json_object();
  EXPECT_TRUE(is_epoch(answer));
  EXPECT_EQ(json_int(answer, "last_seq"), 3);

  const auto again = http().post(stream_path("e") + "/end", R"({"status":"failed"})");
  ASSERT_EQ(again.status, 200) << again.describe();
  EXPECT_EQ(again.json_object(), answer) << "a second end answers the same";

  EXPECT_TRUE(
      is_api_error(http().post(events_path("e"), R"({"data":"late"})"), 409, "stream_ended"));
  EXPECT_EQ(json_int(info("e"), "last_seq"), 3) << "nothing appended after the end";

  auto sub = subscribe("e");
  const auto events = sub->collect(3, 5s);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].event, "end");
  EXPECT_EQ(boost::json::parse(events[2].data), boost::json::parse(R"({"status":"failed"})"));
}

TEST_F(api_test, end_without_body_is_completed_and_other_statuses_are_accepted) {
  append("c1", "x");
  const auto res = http().post(stream_path("c1") + "/end", "");
  ASSERT_EQ(res.status, 200) << res.describe();
  auto sub = subscribe("c1");
  const auto events = sub->collect(2, 5s);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(boost::json::parse(events[1].data), boost::json::parse(R"({"status":"completed"})"));

  append("c2", "x");
  end_stream("c2", "cancelled");
  auto sub2 = subscribe("c2");
  const auto events2 = sub2->collect(2, 5s);
  ASSERT_EQ(events2.size(), 2u);
  EXPECT_EQ(boost::json::parse(events2[1].data), boost::json::parse(R"({"status":"cancelled"})"));

  append("c3", "x");
  EXPECT_TRUE(is_api_error(http().post(stream_path("c3") + "/end", R"({"status":"bogus"})"), 400));
  EXPECT_EQ(json_string(info("c3"), "status"), "open");
}

TEST_F(api_test, end_of_an_unknown_stream_is_404) {
  EXPECT_TRUE(
      is_api_error(http().post(stream_path("nobody") + "/end", "{}"), 404, "stream_not_found"));
}

TEST_F(api_test, producer_seq_makes_retries_idempotent_and_mismatches_409) {
  const header_list seq1{{"Producer-Seq", "1"}};
  const auto first = append("ps", event_spec{"one", "", -1}, seq1);
  EXPECT_EQ(json_int(first, "first_seq"), 1);
  const auto retry = append("ps", event_spec{"one", "", -1}, seq1);
  EXPECT_EQ(retry, first) << "a retry answers the original result";

  const header_list seq2{{"Producer-Seq", "2"}};
  const std::vector<event_spec> batch{{"two", "", -1}, {"three", "", -1}, {"four", "", -1}};
  const auto applied = append_batch("ps", batch, seq2);
  EXPECT_EQ(json_int(applied, "first_seq"), 2);
  EXPECT_EQ(json_int(applied, "last_seq"), 4);
  EXPECT_EQ(append_batch("ps", batch, seq2), applied);

  EXPECT_TRUE(is_api_error(http().post(events_path("ps"), R"({"data":"x"})", "application/json",
                                       {{"Producer-Seq", "9"}}),
                           409, "producer_seq_conflict"));
  // No event has seq 0: a malformed value rather than a conflict.
  EXPECT_TRUE(is_api_error(http().post(events_path("ps"), R"({"data":"x"})", "application/json",
                                       {{"Producer-Seq", "0"}}),
                           400));

  const auto next = append("ps", event_spec{"five", "", -1}, {{"Producer-Seq", "5"}});
  EXPECT_EQ(json_int(next, "first_seq"), 5);

  // Nothing was duplicated: the stream holds exactly one, two, ..., five.
  EXPECT_EQ(json_int(info("ps"), "last_seq"), 5);
  end_stream("ps");
  auto sub = subscribe("ps");
  const auto events = sub->collect(7, 5s);
  ASSERT_EQ(events.size(), 6u) << describe_events(events);
  const std::vector<std::string> want{"one", "two", "three", "four", "five"};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(events[i].data, want[i]);
    EXPECT_EQ(events[i].id, *json_string(first, "epoch") + ":" + std::to_string(i + 1));
  }
  EXPECT_EQ(events[5].event, "end");
}

// A retry answers exactly what the original did, "trimmed" included: a producer comparing the
// two (or counting what its appends trimmed) must not be told 0 the second time.
TEST_F(api_test, producer_seq_retry_answers_the_original_trimmed_count) {
  ASSERT_EQ(http().put(stream_path("tr"), R"({"buffer_limit":2})").status, 201);
  const std::vector<event_spec> batch(5, event_spec{"x", "", -1});
  const auto original = append_batch("tr", batch, {{"Producer-Seq", "1"}});
  EXPECT_EQ(json_int(original, "trimmed"), 3) << boost::json::serialize(original);
  const auto retry = append_batch("tr", batch, {{"Producer-Seq", "1"}});
  EXPECT_EQ(boost::json::serialize(retry), boost::json::serialize(original));
  EXPECT_EQ(json_int(info("tr"), "last_seq"), 5) << "the retry appended nothing";
}

TEST_F(api_test, malformed_producer_seq_is_400) {
  EXPECT_TRUE(is_api_error(http().post(events_path("pm"), R"({"data":"x"})", "application/json",
                                       {{"Producer-Seq", "abc"}}),
                           400));
  EXPECT_TRUE(is_api_error(http().get(stream_path("pm")), 404)) << "nothing was created";
}

TEST_F(api_test, health_endpoints_answer) {
  const auto health = http().get("/healthz");
  EXPECT_EQ(health.status, 200) << health.describe();
  const auto ready = http().get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.describe();
}

}  // namespace
}  // namespace sse::test
