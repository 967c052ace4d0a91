// Chaos scenario 5: Redis stays clean. Once a stream ends, `sse:state:{id}` is gone and
// every key left of it (`sse:buffer:{id}`, `sse:meta:{id}`, the ended state) carries a TTL no
// longer than the end retention; once the retention has passed nothing of it is left, and the
// stream is gone for clients too. (Every Redis scenario also ends with the fixture's SCAN: no key
// of a finished stream without a TTL.)

#include <algorithm>

#include "bounded_wait.hpp"
#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "http_client.hpp"
#include "redis_keys.hpp"
#include "sse_client.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

std::vector<redis_key> keys_of(redis_server& redis, const std::string& id) {
  std::vector<redis_key> out;
  for (auto& k : scan_keys(redis)) {
    if (stream_of_key(k.name) == id) {
      out.push_back(std::move(k));
    }
  }
  return out;
}

class cleanup_test : public chaos_fixture {};

TEST_F(cleanup_test, ended_streams_leave_only_keys_that_expire_within_the_retention) {
  constexpr auto retention = 3s;
  constexpr auto ttl = 60s;
  const long long retention_ms = std::chrono::milliseconds(retention).count();
  auto cfg = node_config(store_kind::redis);
  cfg.end_retention = retention;
  cfg.ttl = ttl;
  add_node("n1", cfg);
  http_client http("127.0.0.1", node(0).port());
  auto rng = seed().engine(1);
  const auto deadline = steady::now() + 30s;

  // Three streams ended three ways, with trimmed events (a small buffer) and without; one open.
  const std::vector<std::string> statuses{"completed", "failed", "cancelled"};
  std::vector<std::unique_ptr<chaos_producer>> ended;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    const std::string id = "chaos-clean-" + std::to_string(i);
    ASSERT_EQ(http.put("/v1/streams/" + id, i == 0 ? R"({"buffer_limit":5})" : "").status, 201);
    auto p = std::make_unique<chaos_producer>(id, fixed(0));
    const auto n = uniform(rng, 8, 30);
    for (std::int64_t s = 1; s <= n; ++s) {
      ASSERT_TRUE(p->append(
          {{chaos_data(id, static_cast<seq_t>(s), static_cast<std::size_t>(uniform(rng, 10, 400))),
            "", static_cast<int>(uniform(rng, 0, 3))}},
          deadline));
    }
    ended.push_back(std::move(p));
  }
  chaos_producer open("chaos-clean-open", fixed(0));
  ASSERT_TRUE(open.append({{chaos_data("chaos-clean-open", 1, 10), "", 1}}, deadline));

  // While open: the stream's keys are there (a check of an empty list would pass when the
  // store kept nothing or named its keys otherwise), and every one carries the idle TTL.
  const std::string first = ended[0]->stream();
  const auto open_first = keys_of(redis(), first);
  for (const std::string kind : {"state", "buffer", "meta"}) {
    const std::string name = "sse:" + kind + ":{" + first + "}";
    EXPECT_TRUE(std::any_of(open_first.begin(), open_first.end(),
                            [&](const redis_key& k) { return k.name == name; }))
        << name << " missing: " << describe_keys(open_first);
  }
  for (const auto& k : open_first) {
    EXPECT_GT(k.pttl_ms, 0) << k.name;
    EXPECT_LE(k.pttl_ms, std::chrono::milliseconds(ttl).count()) << k.name;
  }

  for (std::size_t i = 0; i < ended.size(); ++i) {
    ASSERT_TRUE(ended[i]->end(deadline, statuses[i]));
  }
  for (std::size_t i = 0; i < ended.size(); ++i) {
    const auto& p = ended[i];
    const std::string& id = p->stream();
    SCOPED_TRACE(id);
    EXPECT_EQ(redis().command("EXISTS", "sse:state:{" + id + "}").integer, 0)
        << "the open-stream state is gone once the stream ends";
    const long long buffer_ttl = pttl(redis(), "sse:buffer:{" + id + "}");
    EXPECT_GT(buffer_ttl, 0);
    EXPECT_LE(buffer_ttl, retention_ms);
    const long long meta_ttl = pttl(redis(), "sse:meta:{" + id + "}");
    EXPECT_GT(meta_ttl, 0) << "meta holds the priorities of the buffered events";
    EXPECT_LE(meta_ttl, retention_ms);
    const auto keys = keys_of(redis(), id);
    EXPECT_FALSE(keys.empty());
    for (const auto& k : keys) {
      EXPECT_GT(k.pttl_ms, 0) << k.name << " has no TTL: " << describe_keys(keys);
      EXPECT_LE(k.pttl_ms, retention_ms) << k.name << " outlives the end retention";
    }
    // Still resumable within the retention.
    sse_client resumed("127.0.0.1", node(0).port(), "/v1/streams/" + id + "/events",
                       p->epoch() + ":0");
    EXPECT_EQ(resumed.status(), 200);
    const auto got =
        resumed.collect_until([](const parsed_event& e) { return e.event == "end"; }, 5s);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().event, "end");
    EXPECT_NE(got.back().data.find(statuses[i]), std::string::npos) << got.back().data;
  }

  // Once the retention has passed nothing of them is left, and they are gone for clients.
  for (const auto& p : ended) {
    const std::string& id = p->stream();
    EXPECT_TRUE(bounded_wait([&] { return keys_of(redis(), id).empty(); }, retention + 3s, 100ms))
        << id << ": " << describe_keys(keys_of(redis(), id));
    EXPECT_EQ(http.get("/v1/streams/" + id).status, 404);
    sse_client late("127.0.0.1", node(0).port(), "/v1/streams/" + id + "/events",
                    p->epoch() + ":1");
    EXPECT_EQ(late.status(), 404);
  }
  // The open stream is untouched, with its idle TTL.
  const auto open_keys = keys_of(redis(), "chaos-clean-open");
  EXPECT_FALSE(open_keys.empty());
  for (const auto& k : open_keys) {
    EXPECT_GT(k.pttl_ms, std::chrono::milliseconds(retention).count()) << k.name;
  }
  std::cout << "[ chaos    ] keys left: " << describe_keys(scan_keys(redis()));
  EXPECT_EQ(ended_streams().size(), ended.size());
}

// The SCAN check every Redis scenario ends with must catch a leak: a finished stream's key made
// persistent is reported (then given back its TTL, so that this test's own teardown passes).
TEST_F(cleanup_test, the_scan_check_reports_a_finished_streams_key_without_ttl) {
  add_node("n1", node_config(store_kind::redis));
  chaos_producer p("chaos-leak", fixed(0));
  const auto deadline = steady::now() + 10s;
  ASSERT_TRUE(p.append({{chaos_data("chaos-leak", 1, 10), "", 1}}, deadline));
  ASSERT_TRUE(p.end(deadline));
  ASSERT_TRUE(tc().saw({.name = std::string(names::stream_ended), .stream = "chaos-leak"}, 5s));
  EXPECT_TRUE(finished_streams_all_expire(redis(), ended_streams()));

  const std::string key = "sse:buffer:{chaos-leak}";
  ASSERT_EQ(redis().command("PERSIST", key).integer, 1);
  const auto leak = finished_streams_all_expire(redis(), ended_streams());
  EXPECT_FALSE(leak);
  EXPECT_NE(std::string(leak.message()).find(key), std::string::npos) << leak.message();
  EXPECT_TRUE(finished_streams_all_expire(redis(), {"another-stream"}))
      << "only finished streams are held to it";
  ASSERT_EQ(redis().command("PEXPIRE", key, "60000").integer, 1);
}

}  // namespace
}  // namespace sse::test
