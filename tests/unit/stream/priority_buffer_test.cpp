#include "stream/priority_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

stored_event ev(seq_t seq, int priority, std::uint32_t size = 10, bool is_end = false) {
  stored_event e;
  e.seq = seq;
  e.priority = priority;
  e.size_bytes = size;
  e.is_end = is_end;
  e.frame = std::make_shared<const std::string>(encode_event("ep0001", seq, "", "x"));
  return e;
}

std::vector<seq_t> seqs_of(const std::vector<trimmed_event>& v) {
  std::vector<seq_t> out;
  for (const auto& t : v) {
    out.push_back(t.seq);
  }
  return out;
}

std::vector<seq_t> buffered(const priority_buffer& b) {
  std::vector<seq_t> out;
  b.for_each_after(0, [&](const stored_event& e) { out.push_back(e.seq); });
  return out;
}

TEST(priority_buffer, empty_buffer) {
  priority_buffer b(4, 1000);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_EQ(b.first_seq(), 0u);
  EXPECT_EQ(b.last_seq(), 0u);
  EXPECT_EQ(b.find(1), nullptr);
  EXPECT_TRUE(b.copy_after(0).empty());
}

TEST(priority_buffer, keeps_everything_under_limits) {
  priority_buffer b(4, 1000);
  std::vector<trimmed_event> evicted;
  for (seq_t s = 1; s <= 4; ++s) {
    b.push(ev(s, 1), evicted);
  }
  EXPECT_TRUE(evicted.empty());
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(b.bytes(), 40u);
  EXPECT_EQ(b.first_seq(), 1u);
  EXPECT_EQ(b.last_seq(), 4u);
}

TEST(priority_buffer, evicts_oldest_of_equal_priority) {
  priority_buffer b(3, 1000);
  std::vector<trimmed_event> evicted;
  for (seq_t s = 1; s <= 6; ++s) {
    b.push(ev(s, 1), evicted);
  }
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 2, 3}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{4, 5, 6}));
  EXPECT_EQ(b.first_seq(), 4u);
}

TEST(priority_buffer, evicts_lowest_priority_first_then_oldest) {
  priority_buffer b(3, 1000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 3), evicted);
  b.push(ev(2, 1), evicted);
  b.push(ev(3, 0), evicted);
  b.push(ev(4, 2), evicted);   // evicts 3 (p0)
  b.push(ev(5, 1), evicted);   // evicts 2 (p1, older than 5)
  b.push(ev(6, 1), evicted);   // evicts 5
  b.push(ev(7, 3), evicted);   // evicts 6
  b.push(ev(8, 0), evicted);   // evicts 8 itself: the lowest priority is the newcomer
  b.push(ev(9, 3), evicted);   // evicts 4 (p2)
  b.push(ev(10, 3), evicted);  // evicts 1 (p3, oldest)
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{3, 2, 5, 6, 8, 4, 1}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{7, 9, 10}));
  ASSERT_EQ(evicted.size(), 7u);
  EXPECT_EQ(evicted[0].priority, 0);
  EXPECT_EQ(evicted[0].size_bytes, 10u);
  EXPECT_EQ(evicted[5].priority, 2);
}

TEST(priority_buffer, byte_limit) {
  priority_buffer b(100, 50);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 1, 20), evicted);
  b.push(ev(2, 2, 20), evicted);
  b.push(ev(3, 1, 5), evicted);
  EXPECT_TRUE(evicted.empty());
  EXPECT_EQ(b.bytes(), 45u);
  b.push(ev(4, 2, 20), evicted);  // 65 bytes: evict 1 (p1 oldest) -> 45
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1}));
  b.push(ev(5, 2, 30), evicted);  // 75: evict 3 (p1) -> 70, then 2 (p2 oldest) -> 50
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 3, 2}));
  EXPECT_EQ(b.bytes(), 50u);
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{4, 5}));
}

TEST(priority_buffer, oversized_event_evicts_itself_when_lowest) {
  priority_buffer b(100, 50);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 2, 10), evicted);
  b.push(ev(2, 1, 80), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{2}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{1}));
  // A high-priority oversized event first evicts the lower ones, then itself.
  b.push(ev(3, 3, 80), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{2, 1, 3}));
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.bytes(), 0u);
}

TEST(priority_buffer, end_event_is_never_evicted) {
  priority_buffer b(2, 1000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 3), evicted);
  b.push(ev(2, 3), evicted);
  b.push(ev(3, 3, 10, true), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{2, 3}));
  // Even with nothing else left, limits cannot evict it.
  b.set_limits(0, 0);
  b.trim(evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 2}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{3}));
  EXPECT_TRUE(b.find(3)->is_end);
}

TEST(priority_buffer, end_event_with_low_priority_still_kept) {
  priority_buffer b(1, 1000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 3), evicted);
  b.push(ev(2, 0, 10, true), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{2}));
}

TEST(priority_buffer, insert_then_trim_evaluates_the_whole_batch) {
  // Trimming once after a batch is not trimming after each event: per event, seq 2 would evict
  // seq 1 before the cheaper p0 seq 3 arrived.
  priority_buffer whole(100, 10);
  whole.insert(ev(1, 1, 6));
  whole.insert(ev(2, 1, 6));
  whole.insert(ev(3, 0, 1));
  std::vector<trimmed_event> evicted;
  whole.trim(evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{3, 1}));
  EXPECT_EQ(buffered(whole), (std::vector<seq_t>{2}));

  priority_buffer each(100, 10);
  std::vector<trimmed_event> evicted_each;
  each.push(ev(1, 1, 6), evicted_each);
  each.push(ev(2, 1, 6), evicted_each);
  each.push(ev(3, 0, 1), evicted_each);
  EXPECT_EQ(seqs_of(evicted_each), (std::vector<seq_t>{1}));
  EXPECT_EQ(buffered(each), (std::vector<seq_t>{2, 3}));
}

TEST(priority_buffer, set_limits_applies_at_next_trim) {
  priority_buffer b(10, 1000);
  std::vector<trimmed_event> evicted;
  for (seq_t s = 1; s <= 5; ++s) {
    b.push(ev(s, s % 2 == 0 ? 0 : 1), evicted);
  }
  b.set_limits(2, 1000);
  EXPECT_EQ(b.size(), 5u);
  b.trim(evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{2, 4, 1}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{3, 5}));
  EXPECT_EQ(b.max_events(), 2u);
}

TEST(priority_buffer, copy_after_and_find) {
  priority_buffer b(4, 1000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 0), evicted);
  b.push(ev(2, 1), evicted);
  b.push(ev(3, 1), evicted);
  b.push(ev(4, 0), evicted);
  b.push(ev(5, 1), evicted);  // evicts 1
  b.push(ev(6, 1), evicted);  // evicts 4
  ASSERT_EQ(buffered(b), (std::vector<seq_t>{2, 3, 5, 6}));
  auto after3 = b.copy_after(3);
  ASSERT_EQ(after3.size(), 2u);
  EXPECT_EQ(after3[0].seq, 5u);
  EXPECT_EQ(after3[1].seq, 6u);
  EXPECT_EQ(after3[0].frame.get(), b.find(5)->frame.get()) << "copies share frames";
  EXPECT_EQ(b.copy_after(0).size(), 4u);
  EXPECT_EQ(b.copy_after(1).size(), 4u);
  EXPECT_TRUE(b.copy_after(6).empty());
  EXPECT_TRUE(b.copy_after(100).empty());
  EXPECT_EQ(b.find(4), nullptr);
  EXPECT_EQ(b.find(1), nullptr);
  ASSERT_NE(b.find(3), nullptr);
  EXPECT_EQ(b.find(3)->seq, 3u);
}

TEST(priority_buffer, holes_are_exactly_the_evicted_seqs) {
  priority_buffer b(5, 1000);
  std::vector<trimmed_event> evicted;
  const int prios[] = {1, 0, 3, 1, 0, 2, 1, 1, 0, 3, 1, 2};
  seq_t seq = 0;
  for (int p : prios) {
    b.push(ev(++seq, p), evicted);
  }
  std::vector<seq_t> holes;
  seq_t expected = 1;
  b.for_each_after(0, [&](const stored_event& e) {
    for (; expected < e.seq; ++expected) {
      holes.push_back(expected);
    }
    expected = e.seq + 1;
  });
  for (; expected <= seq; ++expected) {
    holes.push_back(expected);
  }
  auto ev_seqs = seqs_of(evicted);
  std::sort(ev_seqs.begin(), ev_seqs.end());
  EXPECT_EQ(holes, ev_seqs);
  EXPECT_EQ(b.size() + evicted.size(), seq);
}

// A naive model: the buffer is a vector; the victim is found by scanning for the minimum
// (priority, seq) among non-end events.
struct reference_buffer {
  std::size_t max_events;
  std::size_t max_bytes;
  std::vector<stored_event> events;

  std::size_t bytes() const {
    std::size_t n = 0;
    for (const auto& e : events) {
      n += e.size_bytes;
    }
    return n;
  }

  void push(const stored_event& e, std::vector<seq_t>& evicted) {
    events.push_back(e);
    while (events.size() > max_events || bytes() > max_bytes) {
      auto victim = events.end();
      for (auto it = events.begin(); it != events.end(); ++it) {
        if (it->is_end) {
          continue;
        }
        if (victim == events.end() || it->priority < victim->priority) {
          victim = it;
        }
      }
      if (victim == events.end()) {
        return;
      }
      evicted.push_back(victim->seq);
      events.erase(victim);
    }
  }
};

TEST(priority_buffer, matches_naive_model_on_random_workloads) {
  std::mt19937_64 rng(20240611);  // fixed seed: failures reproduce
  for (int round = 0; round < 40; ++round) {
    const std::size_t max_events = 1 + rng() % 20;
    const std::size_t max_bytes = 20 + rng() % 400;
    priority_buffer b(max_events, max_bytes);
    reference_buffer ref{max_events, max_bytes, {}};
    std::vector<trimmed_event> evicted;
    std::vector<seq_t> ref_evicted;
    const int pushes = 50 + static_cast<int>(rng() % 200);
    for (int i = 1; i <= pushes; ++i) {
      int p = static_cast<int>(rng() % 4);
      auto size = static_cast<std::uint32_t>(1 + rng() % 60);
      bool is_end = (i == pushes) && (round % 2 == 0);
      auto e = ev(static_cast<seq_t>(i), p, size, is_end);
      b.push(e, evicted);
      ref.push(e, ref_evicted);
      ASSERT_EQ(seqs_of(evicted), ref_evicted) << "round " << round << " push " << i;
      ASSERT_EQ(b.size(), ref.events.size());
      ASSERT_EQ(b.bytes(), ref.bytes());
    }
    std::vector<seq_t> ref_seqs;
    for (const auto& e : ref.events) {
      ref_seqs.push_back(e.seq);
    }
    EXPECT_EQ(buffered(b), ref_seqs) << "round " << round;
    EXPECT_LE(b.size(), max_events + (round % 2 == 0 ? 1 : 0));
  }
}

}  // namespace
}  // namespace sse::stream

// Checkpoints: what a checkpoint supersedes goes first, whatever its priority.
namespace sse::stream {
namespace {

stored_event checkpoint_ev(seq_t seq, int priority) {
  stored_event e = ev(seq, priority);
  e.is_checkpoint = true;
  return e;
}

TEST(priority_buffer_checkpoint, evicts_superseded_events_first_oldest_first) {
  priority_buffer b(5, 100000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 3), evicted);  // important, but superseded by the checkpoint at 4
  b.push(ev(2, 2), evicted);
  b.push(ev(3, 3), evicted);
  b.push(checkpoint_ev(4, 1), evicted);
  b.push(ev(5, 0), evicted);  // least important, but after the checkpoint
  EXPECT_EQ(b.checkpoint_seq(), 4u);
  b.push(ev(6, 0), evicted);
  b.push(ev(7, 0), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 2}));
  for (const auto& t : evicted) {
    EXPECT_TRUE(t.superseded) << t.seq;
  }
  b.push(ev(8, 0), evicted);
  b.push(ev(9, 0), evicted);
  // 3 is the last superseded one; then priority rules again (5 is the oldest priority 0).
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 2, 3, 5}));
  EXPECT_TRUE(evicted[2].superseded);
  EXPECT_FALSE(evicted[3].superseded);
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{4, 6, 7, 8, 9}));
}

TEST(priority_buffer_checkpoint, a_newer_checkpoint_supersedes_the_older_one) {
  priority_buffer b(3, 100000);
  std::vector<trimmed_event> evicted;
  b.push(checkpoint_ev(1, 3), evicted);
  b.push(ev(2, 3), evicted);
  b.push(ev(3, 0), evicted);
  b.push(checkpoint_ev(4, 3), evicted);
  EXPECT_EQ(b.checkpoint_seq(), 4u);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1}));
  EXPECT_TRUE(evicted[0].superseded);
  b.push(ev(5, 0), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1, 2}));
  EXPECT_EQ(buffered(b), (std::vector<seq_t>{3, 4, 5}));
}

TEST(priority_buffer_checkpoint, byte_limit_evicts_superseded_first) {
  priority_buffer b(100, 50);
  std::vector<trimmed_event> evicted;
  for (seq_t s = 1; s <= 4; ++s) {
    b.insert(ev(s, 3));
  }
  b.insert(checkpoint_ev(5, 0));
  b.trim(evicted);
  EXPECT_TRUE(evicted.empty());
  b.push(ev(6, 0), evicted);  // 60 bytes: one over
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{1}));
  EXPECT_EQ(b.bytes(), 50u);
}

TEST(priority_buffer_checkpoint, no_checkpoint_keeps_priority_order) {
  priority_buffer b(2, 100000);
  std::vector<trimmed_event> evicted;
  b.push(ev(1, 3), evicted);
  b.push(ev(2, 0), evicted);
  b.push(ev(3, 3), evicted);
  EXPECT_EQ(seqs_of(evicted), (std::vector<seq_t>{2}));
  EXPECT_FALSE(evicted[0].superseded);
  EXPECT_EQ(b.checkpoint_seq(), 0u);
}

}  // namespace
}  // namespace sse::stream
