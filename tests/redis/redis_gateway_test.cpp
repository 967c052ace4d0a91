// Several real sse-gateway processes on one Redis: publish on one node, read on
// another, resume on a third, exactly once and in order; hand-over under concurrent appends
// across nodes; a paused Redis during live traffic; and the `migrate` command on seeded
// v1.10-layout streams.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <thread>

#include "bounded_wait.hpp"
#include "common/child_process.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "json_lines.hpp"
#include "legacy_fixture.hpp"
#include "redis_fixture.hpp"
#include "seeded_rng.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"

namespace sse::store::redis_test {
namespace {

using test::gateway_process;
using test::http_client;
using test::parsed_event;
using test::sse_client;

std::string event_body(const std::string& data, int priority = 1) {
  boost::json::object o;
  o["data"] = data;
  o["priority"] = priority;
  return boost::json::serialize(o);
}

std::uint64_t seq_of(const parsed_event& e) {
  auto colon = e.id.rfind(':');
  return colon == std::string::npos ? 0 : std::stoull(e.id.substr(colon + 1));
}

class redis_gateway : public ::testing::Test {
 protected:
  void SetUp() override {
    if (gateway_process::default_binary().empty()) {
      FAIL() << "sse-gateway binary not found: build the sse-gateway target (scripts/test.sh does)";
    }
    redis().command("FLUSHALL");
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& n : nodes_) {
        std::cout << "---- " << n->diagnostics() << std::endl;
      }
    }
    nodes_.clear();
  }

  virtual test::redis_server& redis() { return shared_redis(); }

  gateway_process& start_node(std::vector<std::string> extra = {}) {
    test::gateway_options o;
    o.args = {"--store", redis().url()};
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    o.name = "node" + std::to_string(nodes_.size());
    nodes_.push_back(std::make_unique<gateway_process>(o));
    // The node listens before its Redis links are up: wait until it says it is ready.
    http_client probe(nodes_.back()->host(), nodes_.back()->port());
    EXPECT_TRUE(test::bounded_wait([&] { return probe.get("/readyz").status == 200; }, 10s));
    return *nodes_.back();
  }

  static std::string events_path(const std::string& id) { return "/v1/streams/" + id + "/events"; }

  std::vector<std::unique_ptr<gateway_process>> nodes_;
};

TEST_F(redis_gateway, publish_on_one_node_read_on_another_resume_on_a_third) {
  auto& a = start_node();
  auto& b = start_node();
  auto& c = start_node();
  http_client on_a(a.host(), a.port());
  const std::string id = "three-nodes";
  auto created = on_a.put("/v1/streams/" + id);
  ASSERT_EQ(created.status, 201) << created.describe();
  const std::string epoch = *test::json_string(created.json_object(), "epoch");

  sse_client live_b(b.host(), b.port(), events_path(id));
  ASSERT_EQ(live_b.status(), 200);
  for (int i = 1; i <= 10; ++i) {
    auto r = on_a.post(events_path(id), event_body("token " + std::to_string(i)));
    ASSERT_EQ(r.status, 200) << r.describe();
  }
  auto first = live_b.collect(4, 10s);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(first[3].id, epoch + ":4");
  EXPECT_EQ(first[3].data, "token 4");
  live_b.close_abruptly();

  sse_client resumed_c(c.host(), c.port(), events_path(id), epoch + ":4");
  ASSERT_EQ(resumed_c.status(), 200);
  auto rest = resumed_c.collect(6, 10s);
  ASSERT_EQ(rest.size(), 6u);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].id, epoch + ":" + std::to_string(5 + i));
    EXPECT_EQ(rest[i].data, "token " + std::to_string(5 + i));
  }
  // Live on C for an append on B, then the end from A.
  ASSERT_EQ(http_client(b.host(), b.port()).post(events_path(id), event_body("token 11")).status,
            200);
  auto end = on_a.post("/v1/streams/" + id + "/end", R"({"status":"completed"})");
  ASSERT_EQ(end.status, 200) << end.describe();
  auto tail = resumed_c.collect_until([](const parsed_event& e) { return e.event == "end"; }, 10s);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].data, "token 11");
  EXPECT_EQ(tail[1].id, epoch + ":12");
  EXPECT_TRUE(resumed_c.wait_closed(5s));
  sse_client after_end(b.host(), b.port(), events_path(id), epoch + ":12");
  EXPECT_EQ(after_end.status(), 204);
}

TEST_F(redis_gateway, hand_over_under_concurrent_appends_across_nodes) {
  test::seeded_rng rng;
  auto& producer_node = start_node({"--buffer-limit", "100000", "--max-buffer-limit", "100000"});
  auto& reader_1 = start_node({"--buffer-limit", "100000", "--max-buffer-limit", "100000"});
  auto& reader_2 = start_node({"--buffer-limit", "100000", "--max-buffer-limit", "100000"});
  const std::string id = "handover-nodes";
  http_client producer(producer_node.host(), producer_node.port());
  auto created = producer.put("/v1/streams/" + id);
  ASSERT_EQ(created.status, 201);
  const std::string epoch = *test::json_string(created.json_object(), "epoch");

  constexpr std::uint64_t total = 300;
  std::atomic<std::uint64_t> acked{0};
  std::atomic<bool> producer_failed{false};
  const auto seed = static_cast<std::uint64_t>(rng.uniform(0, 1'000'000));
  std::thread t([&] {
    http_client client(producer_node.host(), producer_node.port());
    std::mt19937_64 prng(seed);
    std::uint64_t next = 1;
    while (next <= total) {
      const std::uint64_t n = std::min<std::uint64_t>(total - next + 1, 1 + prng() % 5);
      std::string body;
      for (std::uint64_t i = 0; i < n; ++i) {
        body += event_body("d" + std::to_string(next + i), static_cast<int>(prng() % 4)) + "\n";
      }
      auto r = client.post(events_path(id), body, "application/x-ndjson");
      if (r.status != 200) {
        producer_failed = true;
        return;
      }
      next += n;
      acked = next - 1;
    }
    client.post("/v1/streams/" + id + "/end", R"({"status":"completed"})");
  });

  // Subscribers join at various points on the two other nodes while the producer runs.
  struct joined {
    std::uint64_t resume;
    std::unique_ptr<sse_client> client;
  };
  std::vector<joined> subs;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(test::bounded_wait([&] { return acked.load() >= total * i / 8; }, 20s));
    const std::uint64_t resume = acked.load() == 0 ? 0 : rng.uniform(0, acked.load());
    auto& node = i % 2 == 0 ? reader_1 : reader_2;
    subs.push_back(joined{resume, std::make_unique<sse_client>(
                                      node.host(), node.port(), events_path(id),
                                      resume == 0 ? std::nullopt
                                                  : std::optional<std::string>(
                                                        epoch + ":" + std::to_string(resume)))});
  }
  t.join();
  ASSERT_FALSE(producer_failed.load());
  for (auto& s : subs) {
    ASSERT_EQ(s.client->status(), 200);
    auto events =
        s.client->collect_until([](const parsed_event& e) { return e.event == "end"; }, 30s);
    ASSERT_FALSE(events.empty());
    ASSERT_EQ(events.back().event, "end") << "resume " << s.resume;
    ASSERT_EQ(events.size(), total - s.resume + 1) << "resume " << s.resume;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
      ASSERT_EQ(seq_of(events[i]), s.resume + 1 + i) << "resume " << s.resume;
      ASSERT_EQ(events[i].data, "d" + std::to_string(s.resume + 1 + i));
    }
  }
}

// A private Redis that the test may pause.
class redis_gateway_blip : public redis_gateway {
 protected:
  void SetUp() override {
    if (gateway_process::default_binary().empty()) {
      FAIL() << "sse-gateway binary not found: build the sse-gateway target (scripts/test.sh does)";
    }
    test::redis_options o;
    o.name = "redis-gw-blip";
    own_ = std::make_unique<test::redis_server>(o);
  }
  void TearDown() override {
    redis_gateway::TearDown();
    if (own_ && own_->paused()) {
      own_->resume();
    }
  }
  test::redis_server& redis() override { return *own_; }
  std::unique_ptr<test::redis_server> own_;
};

TEST_F(redis_gateway_blip, paused_redis_answers503_then_recovers_without_loss_or_duplicate) {
  auto& node = start_node();
  http_client http(node.host(), node.port(), 15s);
  const std::string id = "blip";
  ASSERT_EQ(
      http.post(events_path(id), event_body("e1"), "application/json", {{"Producer-Seq", "1"}})
          .status,
      200);
  sse_client live(node.host(), node.port(), events_path(id));
  ASSERT_EQ(live.status(), 200);
  ASSERT_EQ(live.collect(1, 10s).size(), 1u);

  own_->pause();
  auto during =
      http.post(events_path(id), event_body("e2"), "application/json", {{"Producer-Seq", "2"}});
  EXPECT_EQ(during.status, 503) << during.describe();
  EXPECT_TRUE(during.header("Retry-After").has_value());
  EXPECT_TRUE(test::bounded_wait([&] { return http.get("/readyz").status == 503; }, 10s));
  EXPECT_TRUE(node.wait_for_telemetry("SseStoreUnavailable", {}, 10s).has_value());
  own_->resume();
  EXPECT_TRUE(test::bounded_wait([&] { return http.get("/readyz").status == 200; }, 15s));
  EXPECT_TRUE(node.wait_for_telemetry("SseStoreRecovered", {}, 10s).has_value());

  // The producer retries: applied once whether or not the paused attempt ran.
  auto retry =
      http.post(events_path(id), event_body("e2"), "application/json", {{"Producer-Seq", "2"}});
  ASSERT_EQ(retry.status, 200) << retry.describe();
  ASSERT_EQ(
      http.post(events_path(id), event_body("e3"), "application/json", {{"Producer-Seq", "3"}})
          .status,
      200);
  auto got = live.collect(2, 15s);
  ASSERT_EQ(got.size(), 2u) << "the subscriber stayed connected and resynced";
  EXPECT_EQ(got[0].data, "e2");
  EXPECT_EQ(got[1].data, "e3");
  EXPECT_EQ(seq_of(got[1]), 3u);
}

// Appends sent to a Redis that stops answering may have been stored: they are answered
// 503 outcome_unknown (two producers at once, as when one slow script stalls Redis for all),
// while appends the node never sent are 503 store_unavailable. Producer-Seq retries then store
// each event exactly once.
TEST_F(redis_gateway_blip, appends_sent_but_unanswered_are_outcome_unknown_not_store_unavailable) {
  auto& node = start_node();
  http_client http(node.host(), node.port(), 15s);
  http_client other(node.host(), node.port(), 15s);
  auto post = [](http_client& c, const std::string& id, const std::string& data, int seq) {
    return c.post(events_path(id), event_body(data), "application/json",
                  {{"Producer-Seq", std::to_string(seq)}});
  };
  auto error_of = [](const test::http_response& r) {
    return r.status == 503 ? test::json_string(r.json_object(), "error").value_or("")
                           : std::string("status ") + std::to_string(r.status);
  };
  ASSERT_EQ(post(http, "ua", "a1", 1).status, 200);
  ASSERT_EQ(post(other, "ub", "b1", 1).status, 200);

  own_->pause();
  test::http_response from_other;
  std::thread concurrent([&] { from_other = post(other, "ub", "b2", 2); });
  auto during = post(http, "ua", "a2", 2);
  concurrent.join();
  for (const auto* r : {&during, &from_other}) {
    EXPECT_EQ(error_of(*r), "outcome_unknown") << r->describe();
    EXPECT_TRUE(r->header("Retry-After").has_value()) << r->describe();
    if (r->status == 503) {
      EXPECT_NE(r->body.find("Producer-Seq"), std::string::npos) << r->describe();
    }
  }
  // Once the node has dropped its links, nothing is sent: store_unavailable.
  std::string last_error;
  EXPECT_TRUE(test::bounded_wait(
      [&] {
        last_error = error_of(post(http, "ua", "a2", 2));
        return last_error == "store_unavailable";
      },
      20s))
      << last_error;
  own_->resume();
  ASSERT_TRUE(test::bounded_wait([&] { return http.get("/readyz").status == 200; }, 15s));

  for (const auto& [id, data] : {std::pair<std::string, std::string>{"ua", "a2"}, {"ub", "b2"}}) {
    auto retry = post(http, id, data, 2);
    ASSERT_EQ(retry.status, 200) << retry.describe();
    EXPECT_EQ(test::json_int(retry.json_object(), "first_seq"), 2);
    auto info = http.get("/v1/streams/" + id);
    ASSERT_EQ(info.status, 200);
    EXPECT_EQ(test::json_int(info.json_object(), "last_seq"), 2) << "stored exactly once";
  }
}

// The batch cap holds on Redis too: a body of 340,000 empty events (the one that stalled Redis
// for seconds) is refused before any script runs.
TEST_F(redis_gateway, batch_over_max_batch_events_never_reaches_redis) {
  auto& node = start_node();
  http_client http(node.host(), node.port(), 15s);
  std::string body;
  for (int i = 0; i < 340'000; ++i) {
    body += "{\"data\":\"\"}\n";
  }
  auto r = http.post(events_path("stall"), body, "application/x-ndjson");
  EXPECT_EQ(r.status, 413) << r.describe();
  EXPECT_EQ(test::json_string(r.json_object(), "error"), "too_large");
  EXPECT_EQ(redis().command("EXISTS", "sse:state:{stall}").integer, 0) << "nothing stored";
  EXPECT_EQ(http.get("/readyz").status, 200);
}

// The Redis state hash keeps each recent Producer-Seq append's trimmed count: a retry on any
// node answers exactly what the original did.
TEST_F(redis_gateway, producer_seq_retry_on_another_node_answers_the_original_trimmed_count) {
  auto& a = start_node();
  auto& b = start_node();
  http_client on_a(a.host(), a.port());
  http_client on_b(b.host(), b.port());
  ASSERT_EQ(on_a.put("/v1/streams/tr", R"({"buffer_limit":2})").status, 201);
  std::string batch;
  for (int i = 0; i < 5; ++i) {
    batch += event_body("e" + std::to_string(i)) + "\n";
  }
  auto original =
      on_a.post(events_path("tr"), batch, "application/x-ndjson", {{"Producer-Seq", "1"}});
  ASSERT_EQ(original.status, 200) << original.describe();
  EXPECT_EQ(test::json_int(original.json_object(), "trimmed"), 3) << original.describe();
  auto retry = on_b.post(events_path("tr"), batch, "application/x-ndjson", {{"Producer-Seq", "1"}});
  ASSERT_EQ(retry.status, 200) << retry.describe();
  EXPECT_EQ(retry.body, original.body);
}

TEST_F(redis_gateway, migrate_command_upgrades_legacy_streams_that_nodes_then_serve) {
  for (int i = 0; i < 3; ++i) {
    write_legacy_stream(redis(), make_legacy_stream("legacy-" + std::to_string(i), 5, {2}));
  }
  tools::child_options co;
  co.program = gateway_process::default_binary();
  co.args = {"migrate", "--store", redis().url()};
  co.name = "migrate";
  test::temp_dir dir("migrate");
  co.output_dir = dir.path();
  tools::child_process migrate(co);
  auto status = migrate.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(tools::exited_with(status, 0)) << migrate.stderr_text();
  EXPECT_NE(migrate.stdout_text().find("migrated 3"), std::string::npos) << migrate.stdout_text();
  EXPECT_EQ(redis().command("TYPE", "sse:buffer:{legacy-1}").str, "zset");

  auto& node = start_node();
  sse_client resumed(node.host(), node.port(), events_path("legacy-1"), "legacy01:1");
  ASSERT_EQ(resumed.status(), 200);
  auto events = resumed.collect(4, 10s);  // gap for 2, then 3, 4, 5
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].event, "gap");
  EXPECT_EQ(events[1].id, "legacy01:3");
  EXPECT_EQ(events[1].data, "legacy 3");
  EXPECT_EQ(events[3].id, "legacy01:5");
}

// The v1.10 upgrade as a client meets it: five elements made by `zstd -c file`, one by a pipe
// into zstd (no content size in its frame), and in a second stream an element that cannot be
// decoded. Every readable event arrives; the unreadable one is a gap with reason unreadable,
// reported in telemetry, and kept in the quarantine key.
TEST_F(redis_gateway,
       upgrade_on_first_touch_delivers_streamed_frames_and_announces_unreadable_ones) {
  auto ok = make_legacy_stream("old2", 6);
  std::vector<std::string> elements;
  for (std::size_t i = 0; i < 5; ++i) {
    elements.push_back(zstd_cli_frame(ok.events[i], zstd_input::file, true));
  }
  elements.push_back(zstd_cli_frame(ok.events[5], zstd_input::pipe, true));
  write_legacy_elements(redis(), ok, elements);
  auto bad = make_legacy_stream("old3", 6);
  elements.back() = "\x28\xb5\x2f\xfd garbage after the magic";
  write_legacy_elements(redis(), bad, elements);

  auto& node = start_node();
  sse_client all(node.host(), node.port(), events_path("old2") + "?last_event_id=0");
  ASSERT_EQ(all.status(), 200);
  auto got = all.collect(6, 10s);
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(got[i].event, "event");
    EXPECT_EQ(got[i].id, "legacy01:" + std::to_string(i + 1));
    EXPECT_EQ(got[i].data, "legacy " + std::to_string(i + 1));
  }

  sse_client partial(node.host(), node.port(), events_path("old3") + "?last_event_id=0");
  ASSERT_EQ(partial.status(), 200);
  got = partial.collect(6, 10s);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[4].id, "legacy01:5");
  EXPECT_EQ(got[5].event, "gap");
  EXPECT_EQ(got[5].id, "legacy01:6");
  EXPECT_EQ(got[5].data, R"({"from":6,"to":6,"reason":"unreadable"})");

  auto t = node.wait_for_telemetry(
      "SseMigrationUnreadable",
      [](const boost::json::object& o) { return o.contains("stream") && o.at("stream") == "old3"; },
      10s);
  ASSERT_TRUE(t.has_value()) << "the element kept aside is reported";
  EXPECT_EQ(t->at("index").to_number<std::int64_t>(), 5);
  EXPECT_EQ(t->at("from_seq").to_number<std::int64_t>(), 6);
  EXPECT_EQ(t->at("to_seq").to_number<std::int64_t>(), 6);
  EXPECT_EQ(t->at("quarantine"), "sse:quarantine:{old3}");
  EXPECT_FALSE(node.wait_for_telemetry(
                       "SseMigrationUnreadable",
                       [](const boost::json::object& o) {
                         return o.contains("stream") && o.at("stream") == "old2";
                       },
                       100ms)
                   .has_value());
  auto kept = redis().command("LRANGE", "sse:quarantine:{old3}", "0", "-1");
  ASSERT_EQ(kept.elements.size(), 1u);
  EXPECT_EQ(kept.elements[0].str, elements.back());
  EXPECT_GT(redis().command("PTTL", "sse:quarantine:{old3}").integer, 0);
}

TEST_F(redis_gateway, migrate_command_reports_per_stream_what_it_kept_aside) {
  auto ls = make_legacy_stream("legacy-bad", 4);
  std::vector<std::string> elements;
  for (const auto& e : ls.events) {
    elements.push_back(zstd_cli_frame(e, zstd_input::pipe, false));
  }
  elements[1] = "garbage";
  elements[2] = "more garbage";
  write_legacy_elements(redis(), ls, elements);
  write_legacy_stream(redis(), make_legacy_stream("legacy-good", 3));

  tools::child_options co;
  co.program = gateway_process::default_binary();
  co.args = {"migrate", "--store", redis().url()};
  co.name = "migrate";
  test::temp_dir dir("migrate");
  co.output_dir = dir.path();
  tools::child_process migrate(co);
  auto status = migrate.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(tools::exited_with(status, 0)) << migrate.stderr_text();
  const std::string out = migrate.stdout_text();
  EXPECT_NE(out.find("stream legacy-bad: kept 2 unreadable events aside in "
                     "sse:quarantine:{legacy-bad}"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("stream legacy-good:"), std::string::npos) << out;
  EXPECT_NE(out.find("migrated 2"), std::string::npos) << out;
  EXPECT_NE(out.find("kept 2 unreadable events aside in 1 streams"), std::string::npos) << out;
  EXPECT_EQ(redis().command("LLEN", "sse:quarantine:{legacy-bad}").integer, 2);

  auto& node = start_node();
  sse_client resumed(node.host(), node.port(), events_path("legacy-bad") + "?last_event_id=0");
  ASSERT_EQ(resumed.status(), 200);
  auto got = resumed.collect(3, 10s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, "legacy 1");
  EXPECT_EQ(got[1].event, "gap");
  EXPECT_EQ(got[1].data, R"({"from":2,"to":3,"reason":"unreadable"})");
  EXPECT_EQ(got[2].data, "legacy 4");
}

}  // namespace
}  // namespace sse::store::redis_test
