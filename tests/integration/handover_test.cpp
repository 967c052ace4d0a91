// Hand-over from replay to live under concurrent appends: a producer appends (singles and
// batches) while subscribers connect with various resume points; each must see every seq after
// its resume point exactly once, in order, then the end.
#include <atomic>
#include <mutex>
#include <thread>

#include "gateway_test.hpp"
#include "json_lines.hpp"
#include "seeded_rng.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

class handover_test : public gateway_test {};

struct subscriber_result {
  std::uint64_t resume = 0;
  std::string how;
  std::vector<parsed_event> events;
  bool closed = false;
  std::string error;
};

TEST_F(handover_test, every_subscriber_sees_every_seq_once_in_order) {
  seeded_rng rng;
  start(
      {"--buffer-limit", "100000", "--max-buffer-limit", "100000", "--buffer-max-bytes", "64MiB"});
  const std::string stream = "handover";
  const auto created = http().put(stream_path(stream));
  ASSERT_EQ(created.status, 201) << created.describe();
  const std::string epoch = *json_string(created.json_object(), "epoch");

  constexpr std::uint64_t total = 600;
  std::atomic<std::uint64_t> acked{0};
  std::atomic<bool> producer_failed{false};
  std::string producer_error;
  const auto producer_seed = rng.uniform(0, 1'000'000);

  std::thread producer([&] {
    try {
      http_client client(gw().host(), gw().port());
      std::mt19937_64 prng(static_cast<std::uint64_t>(producer_seed));
      std::uint64_t next = 1;
      while (next <= total) {
        const std::uint64_t n = std::min<std::uint64_t>(total - next + 1, 1 + prng() % 8);
        std::string body;
        for (std::uint64_t i = 0; i < n; ++i) {
          body += event_json({"d" + std::to_string(next + i), "", static_cast<int>(prng() % 4)});
          body += '\n';
        }
        const auto res = n == 1 && prng() % 2 == 0
                             ? client.post(events_path(stream), body.substr(0, body.size() - 1))
                             : client.post(events_path(stream), body, "application/x-ndjson");
        if (res.status != 200 ||
            json_int(res.json_object(), "last_seq") != static_cast<std::int64_t>(next + n - 1)) {
          throw std::runtime_error("append answered " + res.describe());
        }
        next += n;
        acked = next - 1;
        if (prng() % 3 == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(prng() % 4));
        }
      }
      const auto end = client.post(stream_path(stream) + "/end", R"({"status":"completed"})");
      if (end.status != 200) {
        throw std::runtime_error("end answered " + end.describe());
      }
    } catch (const std::exception& e) {
      producer_error = e.what();
      producer_failed = true;
    }
  });

  // Subscribers connect while the producer runs, each from a point it has already seen acked
  // (0 = from the start), by header or query, and read in their own thread until the end.
  constexpr int subscribers = 16;
  std::vector<subscriber_result> results(subscribers);
  std::vector<std::thread> readers;
  for (int i = 0; i < subscribers; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng.uniform(0, 15)));
    auto& r = results[static_cast<std::size_t>(i)];
    const std::uint64_t seen = acked.load();
    r.resume = static_cast<std::uint64_t>(rng.uniform(0, static_cast<std::int64_t>(seen)));
    const int form = static_cast<int>(rng.uniform(0, 2));
    readers.emplace_back([&, form] {
      try {
        sse_request req;
        req.target = events_path(stream);
        if (form == 0) {
          r.how = "Last-Event-ID " + epoch + ":" + std::to_string(r.resume);
          req.last_event_id = epoch + ":" + std::to_string(r.resume);
        } else if (form == 1) {
          r.how = "query epoch form " + std::to_string(r.resume);
          req.target += "?last_event_id=" + epoch + "%3A" + std::to_string(r.resume);
        } else {
          r.how = "query bare form " + std::to_string(r.resume);
          req.target += "?last_event_id=" + std::to_string(r.resume);
        }
        sse_client sub(gw().host(), gw().port(), std::move(req));
        if (sub.status() != 200) {
          throw std::runtime_error("status " + std::to_string(sub.status()));
        }
        r.events = sub.collect_until([](const parsed_event& e) { return e.event == "end"; }, 60s);
        r.closed = sub.wait_closed(5s);
      } catch (const std::exception& e) {
        r.error = e.what();
      }
    });
  }
  producer.join();
  for (auto& t : readers) {
    t.join();
  }
  ASSERT_FALSE(producer_failed) << producer_error;

  for (const auto& r : results) {
    SCOPED_TRACE("subscriber resuming from " + r.how);
    EXPECT_EQ(r.error, "");
    EXPECT_TRUE(r.closed) << "the response must finish after the end event";
    ASSERT_FALSE(r.events.empty());
    EXPECT_EQ(r.events.back().event, "end");
    EXPECT_EQ(r.events.back().id, epoch + ":" + std::to_string(total + 1));
    std::uint64_t expect = r.resume + 1;
    for (std::size_t k = 0; k + 1 < r.events.size(); ++k) {
      const auto& e = r.events[k];
      ASSERT_EQ(e.id, epoch + ":" + std::to_string(expect))
          << "at index " << k << ": duplicate, loss or reordering";
      ASSERT_EQ(e.event, "") << "no gap or reset expected";
      ASSERT_EQ(e.data, "d" + std::to_string(expect));
      ++expect;
    }
    EXPECT_EQ(expect, total + 1) << "every seq up to the end";
  }
}

}  // namespace
}  // namespace sse::test
