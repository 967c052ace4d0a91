// Conformance: live delivery to watchers (order, trimmed events, unwatch, watch before creation,
// remove) and concurrent appends.

#include <atomic>
#include <set>
#include <thread>

#include "store_conformance.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::conformance {
namespace {

using stream::new_event;

std::vector<seq_t> range(seq_t from, seq_t to) {
  std::vector<seq_t> out;
  for (seq_t s = from; s <= to; ++s) {
    out.push_back(s);
  }
  return out;
}

TEST_P(store_conformance, watch_delivers_every_batch_in_order_including_trimmed_events) {
  store_limits limits;
  limits.buffer_limit = 2;
  make_store(limits);
  auto id = fresh_id();
  ASSERT_TRUE(create(id).has_value());
  recording_listener l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);

  std::vector<new_event> batch;
  for (int i = 1; i <= 5; ++i) {
    batch.push_back(new_event{"delta", "token " + std::to_string(i), 1});
  }
  auto a = append(id, batch);
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->evicted.size(), 3u);
  for (int i = 6; i <= 8; ++i) {
    ASSERT_TRUE(append(id, {new_event{"", "more " + std::to_string(i), 0}}).has_value());
  }
  ASSERT_TRUE(wait_events(l, 8));
  EXPECT_EQ(l.seqs(), range(1, 8));
  auto batches = l.batches();
  ASSERT_EQ(batches.size(), 4u);
  const auto& first = *batches[0];
  EXPECT_EQ(first.stream_id, id);
  EXPECT_EQ(first.epoch, a->epoch);
  ASSERT_EQ(first.events.size(), 5u) << "the whole batch, trimmed events included";
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(*first.events[i].frame,
              stream::encode_event(a->epoch, i + 1, "delta", "token " + std::to_string(i + 1)));
  }
  EXPECT_EQ(*batches[3]->events[0].frame, stream::encode_event(a->epoch, 8, "", "more 8"));
}

TEST_P(store_conformance, watch_before_the_stream_exists) {
  auto id = fresh_id();
  recording_listener l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);
  auto a = append(id, {new_event{"", "hello", 1}});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->created);
  ASSERT_TRUE(wait_events(l, 1));
  auto batches = l.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0]->epoch, a->epoch);
  EXPECT_EQ(*batches[0]->events[0].frame, stream::encode_event(a->epoch, 1, "", "hello"));
}

TEST_P(store_conformance, no_delivery_after_unwatch) {
  auto id = fresh_id();
  recording_listener stays;
  recording_listener leaves;
  ASSERT_TRUE(watch(id, &stays).has_value());
  unwatch_guard guard_stays(st(), id, &stays);
  ASSERT_TRUE(watch(id, &leaves).has_value());
  unwatch_guard guard_leaves(st(), id, &leaves);
  ASSERT_TRUE(append(id, {new_event{"", "1", 1}}).has_value());
  ASSERT_TRUE(wait_events(stays, 1));
  ASSERT_TRUE(wait_events(leaves, 1));

  st().unwatch(id, &leaves);
  ASSERT_TRUE(append(id, {new_event{"", "2", 1}}).has_value());
  ASSERT_TRUE(append(id, {new_event{"", "3", 1}}).has_value());
  // Once the listener that stayed has both batches, the one that left would have had them too.
  ASSERT_TRUE(wait_events(stays, 3));
  EXPECT_EQ(stays.seqs(), range(1, 3));
  EXPECT_EQ(leaves.seqs(), range(1, 1));
}

TEST_P(store_conformance, end_is_delivered_live) {
  auto id = fresh_id();
  recording_listener l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);
  auto a = append(id, {new_event{"", "x", 1}});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(end(id, stream_status::cancelled).has_value());
  ASSERT_TRUE(wait_events(l, 2));
  auto batches = l.batches();
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[1]->events.size(), 1u);
  const auto& e = batches[1]->events[0];
  EXPECT_TRUE(e.is_end);
  EXPECT_EQ(e.seq, 2u);
  EXPECT_EQ(*e.frame, "id: " + a->epoch + ":2\nevent: end\ndata: {\"status\":\"cancelled\"}\n\n");
  // A second end delivers nothing more.
  ASSERT_TRUE(end(id).has_value());
  ASSERT_TRUE(append(id, {new_event{"", "y", 1}}).has_error());
  EXPECT_EQ(l.seqs(), range(1, 2));
}

TEST_P(store_conformance, remove_tells_watchers_who_stay_for_the_next_incarnation) {
  auto id = fresh_id();
  recording_listener l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);
  auto a = append(id, {new_event{"", "old", 1}});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(wait_events(l, 1));
  ASSERT_TRUE(remove(id).has_value());
  ASSERT_TRUE(run_until(io_, [&] { return !l.gone().empty(); }));
  EXPECT_EQ(l.gone(), std::vector<std::string>{id});

  auto b = append(id, {new_event{"", "new", 1}});
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(wait_events(l, 2));
  auto batches = l.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1]->epoch, b->epoch);
  EXPECT_NE(batches[1]->epoch, a->epoch);
  EXPECT_EQ(batches[1]->events[0].seq, 1u);
}

TEST_P(store_conformance, other_streams_are_not_delivered) {
  auto id = fresh_id("a");
  auto other = fresh_id("b");
  recording_listener l;
  recording_listener other_l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);
  ASSERT_TRUE(watch(other, &other_l).has_value());
  unwatch_guard other_guard(st(), other, &other_l);
  ASSERT_TRUE(append(other, {new_event{"", "b", 1}}).has_value());
  ASSERT_TRUE(append(id, {new_event{"", "a", 1}}).has_value());
  ASSERT_TRUE(wait_events(l, 1));
  ASSERT_TRUE(wait_events(other_l, 1));
  for (const auto& b : l.batches()) {
    EXPECT_EQ(b->stream_id, id);
  }
  EXPECT_EQ(l.event_count(), 1u);
}

TEST_P(store_conformance, concurrent_appends_get_gap_free_seqs_delivered_in_order) {
  constexpr int threads = 2;
  constexpr int appends_per_thread = 150;
  auto id = fresh_id();
  ASSERT_TRUE(create(id).has_value());
  recording_listener l;
  ASSERT_TRUE(watch(id, &l).has_value());
  unwatch_guard guard(st(), id, &l);

  std::vector<std::vector<std::pair<seq_t, seq_t>>> ranges(threads);
  std::atomic<int> finished{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // Each thread is its own worker with its own executor, as in the gateway.
      boost::asio::io_context io;
      try {
        for (int i = 0; i < appends_per_thread; ++i) {
          append_request r;
          r.stream_id = id;
          // Every third append is a batch of 3.
          const int n = i % 3 == 0 ? 3 : 1;
          for (int k = 0; k < n; ++k) {
            r.events.push_back(new_event{"", "t" + std::to_string(t), 1});
          }
          auto a = run_sync(io, st().append(std::move(r)));
          if (!a || a->last_seq - a->first_seq + 1 != static_cast<seq_t>(n)) {
            ++failures;
            break;
          }
          ranges[t].emplace_back(a->first_seq, a->last_seq);
        }
      } catch (const std::exception&) {
        ++failures;
      }
      ++finished;
    });
  }
  // The main thread keeps the suite's io_context running meanwhile (stores built with make_on
  // may need it), with a deadline.
  bool done = run_until(
      io_, [&] { return finished.load() == threads; }, 60s);
  for (auto& w : workers) {
    w.join();
  }
  ASSERT_TRUE(done);
  ASSERT_EQ(failures.load(), 0);

  std::set<seq_t> assigned;
  std::size_t total = 0;
  for (const auto& rs : ranges) {
    seq_t prev = 0;
    for (auto [first, last] : rs) {
      EXPECT_GT(first, prev) << "one thread's appends get increasing seqs";
      prev = last;
      for (seq_t s = first; s <= last; ++s) {
        assigned.insert(s);
        ++total;
      }
    }
  }
  EXPECT_EQ(assigned.size(), total) << "no seq given twice";
  ASSERT_FALSE(assigned.empty());
  EXPECT_EQ(*assigned.begin(), 1u);
  EXPECT_EQ(*assigned.rbegin(), total) << "no hole";
  ASSERT_TRUE(wait_events(l, total, 30s));
  EXPECT_EQ(l.seqs(), range(1, total)) << "listener sees every seq once, in order";
  EXPECT_EQ(info(id)->last_seq, total);
}

}  // namespace
}  // namespace sse::store::conformance
