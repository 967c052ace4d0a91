// Conformance: trimming by count and bytes (priority, then age; never the end event) and reads
// after every position of a buffer with holes.

#include <algorithm>

#include "store_conformance.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::conformance {
namespace {

using stream::new_event;
// Every event counts this on top of its data and type against buffer_max_bytes.
constexpr std::size_t ov = stream::event_overhead_bytes;

TEST_P(store_conformance, trim_by_count_lowest_priority_then_oldest) {
  make_store(limits_of(3));
  auto id = fresh_id();
  const int priorities[] = {3, 1, 0, 2, 1, 1, 3, 0, 3, 3};
  const std::vector<std::vector<seq_t>> expected = {{}, {}, {}, {3}, {2}, {5}, {6}, {8}, {4}, {1}};
  for (std::size_t i = 0; i < 10; ++i) {
    auto a = append(id, {sized_event(priorities[i], 10)});
    ASSERT_TRUE(a.has_value());
    ASSERT_EQ(a->first_seq, i + 1);
    EXPECT_EQ(seqs(a->evicted), expected[i]) << "append of seq " << i + 1;
    for (const auto& t : a->evicted) {
      EXPECT_EQ(t.priority, priorities[t.seq - 1]);
      EXPECT_EQ(t.size_bytes, 10u + ov);
    }
  }
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{7, 9, 10}));
  auto i = info(id);
  EXPECT_EQ(i->trimmed_count, 7u);
  EXPECT_EQ(i->first_seq, 7u);
  EXPECT_EQ(i->buffered_count, 3u);
}

TEST_P(store_conformance, batch_can_evict_its_own_events) {
  make_store(limits_of(2));
  auto id = fresh_id();
  auto a = append(id, {sized_event(1, 1), sized_event(1, 1), sized_event(1, 1), sized_event(1, 1),
                       sized_event(1, 1)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->first_seq, 1u);
  EXPECT_EQ(a->last_seq, 5u);
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{1, 2, 3}));
  EXPECT_EQ(seqs(*read_after(id, 0)), (std::vector<seq_t>{4, 5}));
  // Within a batch too, priority comes first.
  auto b = append(id, {sized_event(3, 1), sized_event(0, 1), sized_event(2, 1)});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(seqs(b->evicted), (std::vector<seq_t>{7, 4, 5}));
  EXPECT_EQ(seqs(*read_after(id, 0)), (std::vector<seq_t>{6, 8}));
}

TEST_P(store_conformance, batch_is_trimmed_once_as_a_whole) {
  // Limits are enforced once the whole batch is in, not after each of its events. Per event, seq
  // 2 would have pushed out seq 1 before the cheaper seq 3 came, leaving {2, 3}; as a whole, the
  // p0 seq 3 goes first, then seq 1 (p1, oldest), leaving {2}.
  make_store(limits_of(100, 10 + 2 * ov));
  auto id = fresh_id();
  auto a = append(id, {sized_event(1, 6), sized_event(1, 6), sized_event(0, 1)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{3, 1}));
  EXPECT_EQ(seqs(*read_after(id, 0)), (std::vector<seq_t>{2}));
}

TEST_P(store_conformance, trim_by_bytes_counts_type_and_data) {
  // Sizes below are data and type; each event adds ov, so the limit leaves room for 3 of those.
  make_store(limits_of(100, 50 + 3 * ov));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(1, 15, "abcde")}).has_value());  // 20 bytes
  ASSERT_TRUE(append(id, {sized_event(2, 20)}).has_value());
  auto a = append(id, {sized_event(1, 5)});
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->evicted.empty());
  EXPECT_EQ(info(id)->buffered_bytes, 45u + 3 * ov);
  a = append(id, {sized_event(2, 20)});  // 65: evict seq 1 (p1, oldest) -> 45
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(seqs(a->evicted), (std::vector<seq_t>{1}));
  EXPECT_EQ(a->evicted[0].size_bytes, 20u + ov);
  EXPECT_EQ(a->evicted[0].priority, 1);
  a = append(id, {sized_event(2, 30)});  // 75: evict 3 (p1) -> 70, then 2 (p2 oldest) -> 50
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{3, 2}));
  EXPECT_EQ(seqs(*read_after(id, 0)), (std::vector<seq_t>{4, 5}));
  auto i = info(id);
  EXPECT_EQ(i->buffered_bytes, 50u + 2 * ov);
  EXPECT_EQ(i->trimmed_count, 3u);
}

TEST_P(store_conformance, empty_events_are_not_free) {
  // Without a per-event cost, empty events would weigh nothing against buffer_max_bytes and a
  // stream could keep any number of them.
  make_store(limits_of(100'000, 10 * ov));
  auto id = fresh_id();
  auto a = append(id, std::vector<new_event>(25, new_event{"", "", 1}));
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->evicted.size(), 15u);
  auto i = info(id);
  EXPECT_EQ(i->buffered_count, 10u);
  EXPECT_EQ(i->buffered_bytes, 10 * ov);
  EXPECT_EQ(seqs(*read_after(id, 0)).front(), 16u);
}

TEST_P(store_conformance, oversized_event_is_trimmed_by_the_same_rule) {
  make_store(limits_of(100, 50 + ov));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(2, 10)}).has_value());
  auto a = append(id, {sized_event(1, 80)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{2}));
  auto b = append(id, {sized_event(3, 80)});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(seqs(b->evicted), (std::vector<seq_t>{1, 3}));
  auto r = read_after(id, 0);
  EXPECT_TRUE(r->events.empty());
  EXPECT_EQ(r->last_seq, 3u);
  EXPECT_EQ(info(id)->first_seq, 0u);
}

TEST_P(store_conformance, end_is_never_trimmed_and_trims_nothing) {
  // Ending never costs the buffer an event: a full buffer holds one event over its limit once
  // ended, and no append can follow.
  make_store(limits_of(2, 30 + 2 * ov));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(0, 10), sized_event(0, 10)}).has_value());
  auto e = end(id);
  ASSERT_TRUE(e.has_value());
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{1, 2, 3}));
  EXPECT_TRUE(r->events.back().is_end);
  auto i = info(id);
  EXPECT_EQ(i->buffered_count, 3u);
  EXPECT_EQ(i->trimmed_count, 0u);
}

// The expected survivors under count-only limits: the `limit` largest (priority, seq).
std::vector<seq_t> survivors(const std::vector<int>& priorities, std::size_t limit) {
  std::vector<seq_t> all;
  for (seq_t s = 1; s <= priorities.size(); ++s) {
    all.push_back(s);
  }
  std::stable_sort(all.begin(), all.end(), [&](seq_t a, seq_t b) {
    return priorities[a - 1] > priorities[b - 1] ||
           (priorities[a - 1] == priorities[b - 1] && a > b);
  });
  all.resize(std::min(limit, all.size()));
  std::sort(all.begin(), all.end());
  return all;
}

TEST_P(store_conformance, read_after_every_position_with_holes) {
  make_store(limits_of(5));
  auto id = fresh_id();
  const std::vector<int> priorities = {1, 0, 3, 1, 0, 2, 1, 1, 0, 3, 1, 2};
  std::string epoch;
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    auto type = i % 3 == 0 ? std::string("t") : std::string();
    auto a = append(id, {new_event{type, "data " + std::to_string(i + 1), priorities[i]}});
    ASSERT_TRUE(a.has_value());
    epoch = a->epoch;
  }
  auto end_result = end(id);
  ASSERT_TRUE(end_result.has_value());
  const seq_t last = priorities.size() + 1;
  ASSERT_EQ(end_result->last_seq, last);

  std::vector<seq_t> kept = survivors(priorities, 5);
  kept.push_back(last);
  for (seq_t after = 0; after <= last + 1; ++after) {
    auto r = read_after(id, after);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->epoch, epoch);
    EXPECT_EQ(r->last_seq, last);
    EXPECT_TRUE(r->ended);
    std::vector<seq_t> expected;
    std::copy_if(kept.begin(), kept.end(), std::back_inserter(expected),
                 [&](seq_t s) { return s > after; });
    EXPECT_EQ(seqs(*r), expected) << "after " << after;
    for (const auto& e : r->events) {
      if (e.is_end) {
        continue;
      }
      const std::size_t i = e.seq - 1;
      auto type = i % 3 == 0 ? std::string("t") : std::string();
      EXPECT_EQ(*e.frame,
                stream::encode_event(epoch, e.seq, type, "data " + std::to_string(e.seq)));
      EXPECT_EQ(e.priority, priorities[i]);
    }
  }
}

}  // namespace
}  // namespace sse::store::conformance
