// Chaos scenario 1: many subscribers on several streams are cut at random points, by an
// abrupt close (RST) and by going half-open (they stop reading until the gateway's bounded queue
// drops them), and resume. Delivery is exactly once and in order for everyone, and the
// telemetry tells the same story: one SseResumeAttempt per reconnect with its stream and
// Last-Event-ID, a matching SseResumeSuccess, SseResumeLiveEnd for every resumed subscription
// that reaches the end, SseSlowClientDropped for the clients that stopped reading.
//
// On the memory store one node; on Redis two nodes, and every (re)connect and append goes to a
// node drawn at random, so resumes cross nodes.

#include <thread>

#include "chaos_checks.hpp"
#include "chaos_fixture.hpp"
#include "http_client.hpp"
#include "telemetry/names.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class disconnect_test : public chaos_fixture, public ::testing::WithParamInterface<store_kind> {};

/// Subscriber j's cuts: #0 never cut (the baseline), #1 goes half-open once in the first half,
/// the others are cut 1-3 times, a quarter of the cuts half-open; a quarter of the resumes use
/// ?last_event_id= instead of the header.
std::vector<cut_plan> plan_cuts(std::mt19937_64& rng, std::size_t j, seq_t events) {
  std::vector<cut_plan> cuts;
  if (j == 0) {
    return cuts;
  }
  std::set<std::uint64_t> points;
  if (j == 1) {
    points.insert(
        static_cast<std::uint64_t>(uniform(rng, 5, static_cast<std::int64_t>(events / 2))));
  } else {
    const auto n = uniform(rng, 1, 3);
    for (std::int64_t i = 0; i < n; ++i) {
      points.insert(
          static_cast<std::uint64_t>(uniform(rng, 1, static_cast<std::int64_t>(events) - 10)));
    }
  }
  for (const auto p : points) {
    cut_plan c;
    c.after_events = p;
    c.kind = (j == 1 || chance(rng, 0.25)) ? cut_kind::half_open : cut_kind::reset;
    c.pause = std::chrono::milliseconds(uniform(rng, 0, 30));
    c.via_query = chance(rng, 0.25);
    cuts.push_back(c);
  }
  return cuts;
}

TEST_P(disconnect_test, subscribers_cut_at_random_points_resume_exactly_once_with_telemetry) {
  const store_kind kind = GetParam();
  const bool shared = kind == store_kind::redis;
  auto cfg = node_config(kind);
  cfg.max_queue_bytes = 64 * 1024;  // small, so a client that stops reading is dropped soon
  add_node("n1", cfg);
  if (shared) {
    add_node("n2", cfg);
  }

  const std::size_t stream_count = shared ? 3 : 4;
  const std::size_t subs_per_stream = 5;
  const seq_t target = 200;  // data events per stream, more while a cut is pending
  const seq_t window = 6;    // the producer's lead over the slowest reading subscriber
  const auto deadline = steady::now() + 100s;

  std::vector<std::unique_ptr<stream_board>> boards;
  std::vector<std::unique_ptr<chaos_producer>> producers;
  std::vector<std::unique_ptr<chaos_subscriber>> subs;
  http_client admin("127.0.0.1", node(0).port());
  for (std::size_t s = 0; s < stream_count; ++s) {
    const std::string id = "chaos-disconnect-" + std::to_string(s);
    ASSERT_EQ(admin.put("/v1/streams/" + id).status, 201);
    boards.push_back(std::make_unique<stream_board>(id));
    producers.push_back(
        std::make_unique<chaos_producer>(id, shared ? any_node(seed().engine(100 + s)) : fixed(0)));
    for (std::size_t j = 0; j < subs_per_stream; ++j) {
      auto rng = seed().engine(1000 + s * 100 + j);
      subscriber_options o;
      o.name = id + "/sub" + std::to_string(j);
      o.board = boards.back().get();
      o.pick = shared ? any_node(seed().engine(2000 + s * 100 + j)) : fixed(0);
      o.cuts = plan_cuts(rng, j, target);
      o.tc = &tc();
      o.deadline = deadline;
      subs.push_back(std::make_unique<chaos_subscriber>(std::move(o)));
    }
  }
  for (auto& sub : subs) {
    sub->start();
  }

  std::vector<std::string> driver_problems;
  std::mutex driver_mu;
  std::vector<std::thread> producer_threads;
  for (std::size_t s = 0; s < stream_count; ++s) {
    producer_threads.emplace_back([&, s] {
      auto rng = seed().engine(500 + s);
      auto& p = *producers[s];
      auto& board = *boards[s];
      const seq_t cap = target * 40;
      auto complain = [&](std::string what) {
        std::lock_guard lock(driver_mu);
        driver_problems.push_back(p.stream() + ": " + std::move(what));
      };
      while ((p.acked() < target || board.cuts_pending()) && steady::now() < deadline) {
        if (p.acked() >= cap) {
          complain("cuts still pending after " + std::to_string(cap) + " events");
          break;
        }
        const auto n = static_cast<seq_t>(uniform(rng, 1, 4));
        std::vector<produced_event> batch;
        for (seq_t i = 1; i <= n; ++i) {
          batch.push_back({chaos_data(p.stream(), p.acked() + i,
                                      static_cast<std::size_t>(uniform(rng, 2000, 6000))),
                           chance(rng, 0.2) ? "token" : "", 1});
        }
        if (!board.wait_for_readers(p.acked() + n, window, 30s)) {
          complain("readers more than " + std::to_string(window) + " events behind for 30 s");
        }
        if (!p.append(batch, deadline)) {
          break;
        }
      }
      p.end(deadline);
    });
  }
  for (auto& t : producer_threads) {
    t.join();
  }
  for (auto& sub : subs) {
    sub->join();
  }

  std::vector<std::string> problems = driver_problems;
  std::map<std::string, seq_t> end_seqs;
  for (const auto& p : producers) {
    const auto pp = p->problems();
    problems.insert(problems.end(), pp.begin(), pp.end());
    end_seqs[p->stream()] = p->end_seq();
  }
  std::size_t resets = 0;
  std::size_t drops = 0;
  std::size_t reconnects = 0;
  std::vector<const chaos_subscriber*> all;
  for (const auto& sub : subs) {
    const auto sp = sub->problems();
    problems.insert(problems.end(), sp.begin(), sp.end());
    resets += sub->resets_done();
    drops += sub->drops_seen();
    reconnects += sub->reconnects().size();
    all.push_back(sub.get());
  }
  std::cout << "[ chaos    ] " << subs.size() << " subscribers, " << reconnects << " reconnects ("
            << resets << " resets, " << drops << " slow drops), events per stream:";
  for (const auto& [id, end] : end_seqs) {
    std::cout << " " << end;
  }
  std::cout << std::endl;
  EXPECT_TRUE(no_problems(problems));
  for (std::size_t i = 0; i < subs.size(); ++i) {
    EXPECT_TRUE(delivered_exactly_once(*subs[i], *producers[i / subs_per_stream]));
  }
  EXPECT_GE(drops, 1u) << "at least one client must have been dropped for not reading";
  check_resume_telemetry(tc(), all, end_seqs);
}

// The cut the random scenario hits now and then, made deterministic: a client resumes far behind (a
// replay of megabytes, written in one gather write), reads one event and resets. It got replayed
// events, so its attempt must have an outcome: SseResumeSuccess (every reconnect that resumes
// reports one), not silence.
class replay_cut_test : public chaos_fixture {};

TEST_F(replay_cut_test, a_resume_cut_while_its_replay_is_being_written_still_reports_success) {
  add_node("n1", node_config(store_kind::memory));
  const std::string id = "chaos-cut-in-replay";
  chaos_producer p(id, fixed(0));
  const auto deadline = steady::now() + 30s;
  for (seq_t s = 1; s <= 1200; s += 8) {
    std::vector<produced_event> batch;
    for (seq_t i = 0; i < 8; ++i) {
      batch.push_back({chaos_data(id, s + i, 4000), "", 1});
    }
    ASSERT_TRUE(p.append(batch, deadline)) << no_problems(p.problems()).message();
  }
  const std::string from = p.epoch() + ":1";
  sse_request req;
  req.target = "/v1/streams/" + id + "/events";
  req.last_event_id = from;
  req.receive_buffer_bytes = 4096;
  sse_client c("127.0.0.1", node(0).port(), req);
  ASSERT_EQ(c.status(), 200);
  const auto first = c.next_event(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, p.epoch() + ":2");
  c.close_abruptly();

  const event_match attempt{.name = std::string(telemetry::names::resume_attempt),
                            .stream = id,
                            .fields = {{"last_event_id", from}}};
  EXPECT_TRUE(tc().saw(attempt, 5s));
  EXPECT_TRUE(
      tc().saw({.name = std::string(telemetry::names::client_disconnected), .stream = id}, 5s));
  EXPECT_TRUE(tc().saw({.name = std::string(telemetry::names::resume_success),
                        .stream = id,
                        .fields = {{"last_event_id", from}}},
                       5s))
      << "the client received replayed events before it left";
  EXPECT_TRUE(tc().none({.name = std::string(telemetry::names::resume_failure)}));
}

INSTANTIATE_TEST_SUITE_P(stores, disconnect_test,
                         ::testing::Values(store_kind::memory, store_kind::redis),
                         [](const auto& info) { return to_string(info.param); });

}  // namespace
}  // namespace sse::test
