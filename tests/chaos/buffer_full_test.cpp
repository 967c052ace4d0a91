// Chaos scenario 2: a producer outruns a disconnected subscriber until the stream's buffer
// overflows. SseBufferTrimmed names exactly the evicted seqs, in eviction order (lowest priority
// first, oldest first among equals: a model of the rule predicts them), each append's `trimmed`
// agrees, and the resuming subscriber gets `gap` events naming exactly the evicted seqs after
// its position, in the places where they would have been, then the rest and the end.

#include <boost/json/parse.hpp>
#include <set>

#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "http_client.hpp"
#include "json_lines.hpp"
#include "sse_client.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

class buffer_full_test : public chaos_fixture, public ::testing::WithParamInterface<store_kind> {};

/// The trimming rule (stream/priority_buffer): over the limit, evict the lowest priority, oldest
/// first.
class trim_model {
 public:
  explicit trim_model(std::size_t limit) : limit_(limit) {}
  /// Returns how many events this append evicted.
  std::size_t append(seq_t seq, int priority) {
    buffered_.insert({priority, seq});
    std::size_t n = 0;
    while (buffered_.size() > limit_) {
      const auto victim = *buffered_.begin();
      buffered_.erase(buffered_.begin());
      evicted_.push_back({victim.second, victim.first});
      ++n;
    }
    return n;
  }
  /// (seq, priority) in eviction order.
  const std::vector<std::pair<seq_t, int>>& evicted() const noexcept { return evicted_; }

 private:
  std::size_t limit_;
  std::set<std::pair<int, seq_t>> buffered_;  // (priority, seq): begin() is the next victim
  std::vector<std::pair<seq_t, int>> evicted_;
};

std::string pairs(const std::vector<std::pair<seq_t, int>>& v) {
  std::string out;
  for (const auto& [seq, prio] : v) {
    out += std::to_string(seq) + "/p" + std::to_string(prio) + " ";
  }
  return out;
}

TEST_P(buffer_full_test, trimmed_telemetry_and_gaps_name_exactly_the_evicted_seqs) {
  add_node("n1", node_config(GetParam()));
  http_client http("127.0.0.1", node(0).port());
  auto rng = seed().engine(1);
  const auto deadline = steady::now() + 60s;

  for (int round = 0; round < 3; ++round) {
    const std::string id = "chaos-full-" + std::to_string(round);
    SCOPED_TRACE("stream " + id);
    const auto limit = static_cast<std::size_t>(uniform(rng, 6, 20));
    const auto total = static_cast<seq_t>(uniform(rng, 3 * limit, 5 * limit));
    const auto seen = static_cast<seq_t>(uniform(rng, 1, static_cast<std::int64_t>(limit) - 1));
    SCOPED_TRACE("buffer_limit " + std::to_string(limit) + ", " + std::to_string(total) +
                 " events, subscriber leaves after " + std::to_string(seen));
    ASSERT_EQ(
        http.put("/v1/streams/" + id, R"({"buffer_limit":)" + std::to_string(limit) + "}").status,
        201);
    chaos_producer p(id, fixed(0));
    trim_model model(limit);
    std::vector<std::size_t> model_trimmed;
    auto append_one = [&](seq_t seq) {
      const int prio = static_cast<int>(uniform(rng, 0, 3));
      model_trimmed.push_back(model.append(seq, prio));
      return p.append({{chaos_data(id, seq, static_cast<std::size_t>(uniform(rng, 10, 300))),
                        chance(rng, 0.3) ? "token" : "", prio}},
                      deadline);
    };

    // A subscriber reads the first events live, then drops off (RST).
    auto sub =
        std::make_unique<sse_client>("127.0.0.1", node(0).port(), "/v1/streams/" + id + "/events");
    ASSERT_EQ(sub->status(), 200);
    for (seq_t s = 1; s <= seen; ++s) {
      ASSERT_TRUE(append_one(s)) << no_problems(p.problems()).message();
    }
    const auto live = sub->collect(seen, 10s);
    ASSERT_EQ(live.size(), seen);
    EXPECT_EQ(live.back().id, p.epoch() + ":" + std::to_string(seen));
    sub->close_abruptly();
    ASSERT_TRUE(tc().saw({.name = std::string(names::client_disconnected), .stream = id}, 5s));

    // The producer outruns it.
    for (seq_t s = seen + 1; s <= total; ++s) {
      ASSERT_TRUE(append_one(s)) << no_problems(p.problems()).message();
    }
    const std::vector<std::int64_t> want_trimmed(model_trimmed.begin(), model_trimmed.end());
    EXPECT_EQ(p.trimmed_per_append(), want_trimmed) << "`trimmed` of each append";

    // SseBufferTrimmed: exactly the model's victims, in its order.
    const event_match trimmed_m{.name = std::string(names::buffer_trimmed), .stream = id};
    ASSERT_TRUE(tc().count_is(trimmed_m, model.evicted().size(), 5s));
    std::vector<std::pair<seq_t, int>> got;
    for (const auto& e : tc().events(trimmed_m)) {
      got.push_back(
          {e.fields.at("seq").to_number<seq_t>(), e.fields.at("priority").to_number<int>()});
      EXPECT_TRUE(telemetry::field_is(e, "reason", "buffer_limit")) << describe_event(e);
      EXPECT_TRUE(telemetry::field_is(e, "epoch", boost::json::string(p.epoch())))
          << describe_event(e);
    }
    EXPECT_EQ(got, model.evicted()) << "want " << pairs(model.evicted()) << "\n got " << pairs(got);

    // The subscriber resumes: gaps for exactly the evicted seqs after its position.
    std::set<seq_t> evicted;
    for (const auto& [seq, prio] : model.evicted()) {
      evicted.insert(seq);
    }
    const std::string from = p.epoch() + ":" + std::to_string(seen);
    sse_client resumed("127.0.0.1", node(0).port(), "/v1/streams/" + id + "/events", from);
    ASSERT_EQ(resumed.status(), 200);
    ASSERT_TRUE(p.end(deadline)) << no_problems(p.problems()).message();
    const auto replay =
        resumed.collect_until([](const parsed_event& e) { return e.event == "end"; }, 10s);
    EXPECT_TRUE(resumed.wait_closed(5s));
    std::set<seq_t> announced;
    seq_t next = seen + 1;
    for (const auto& e : replay) {
      const auto pos = split_event_id(e.id);
      ASSERT_TRUE(pos) << e.id;
      EXPECT_EQ(pos->first, p.epoch());
      if (e.event == "gap") {
        const auto o = boost::json::parse(e.data).as_object();
        const auto a = static_cast<seq_t>(json_int(o, "from").value_or(0));
        const auto b = static_cast<seq_t>(json_int(o, "to").value_or(0));
        EXPECT_EQ(a, next) << "a gap starts where the missing events would have been: " << e.data;
        EXPECT_EQ(b, pos->second) << "a gap's id is its last missing seq: " << e.id;
        EXPECT_EQ(json_string(o, "reason"), "trimmed") << e.data;
        for (seq_t s = a; s <= b && s <= total; ++s) {
          announced.insert(s);
        }
        next = b + 1;
        continue;
      }
      EXPECT_EQ(pos->second, next) << "event " << e.id << " out of place";
      if (e.event == "end") {
        EXPECT_EQ(pos->second, p.end_seq());
        break;
      }
      ASSERT_LE(pos->second, total);
      EXPECT_EQ(evicted.count(pos->second), 0u) << "an evicted event was replayed: " << e.id;
      EXPECT_EQ(e.data, p.events()[pos->second - 1].data) << e.id;
      next = pos->second + 1;
    }
    ASSERT_FALSE(replay.empty());
    EXPECT_EQ(replay.back().event, "end");
    const std::set<seq_t> want_gaps(evicted.upper_bound(seen), evicted.end());
    EXPECT_EQ(announced, want_gaps) << "gaps name exactly the evicted seqs after " << from;

    EXPECT_TRUE(tc().saw({.name = std::string(names::resume_success),
                          .stream = id,
                          .fields = {{"last_event_id", from},
                                     {"missed", want_gaps.size()},
                                     {"replayed", total - seen - want_gaps.size()}}},
                         5s));
    EXPECT_TRUE(tc().saw({.name = std::string(names::resume_live_end), .stream = id}, 5s));
    const auto info = http.get("/v1/streams/" + id).json_object();
    EXPECT_EQ(json_int(info, "trimmed_count"), static_cast<std::int64_t>(evicted.size()));
    EXPECT_EQ(json_int(info, "buffered_count"), static_cast<std::int64_t>(limit + 1))
        << "the end event is kept beside a full buffer";
    EXPECT_TRUE(tc().count_is(trimmed_m, model.evicted().size(), 1s)) << "ending never evicts";
  }
  EXPECT_TRUE(tc().none({.name = std::string(names::resume_failure)}));
}

INSTANTIATE_TEST_SUITE_P(stores, buffer_full_test,
                         ::testing::Values(store_kind::memory, store_kind::redis),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace sse::test
