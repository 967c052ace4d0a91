// Conformance: checkpoints. A read reports the latest checkpoint's seq (also after
// end and after the checkpoint itself was trimmed), and trims evict what a checkpoint
// supersedes first, oldest first, before any priority-based eviction of newer events.

#include "store_conformance.hpp"

namespace sse::store::conformance {
namespace {

constexpr std::size_t ov = stream::event_overhead_bytes;

stream::new_event checkpoint_event(int priority, std::size_t size) {
  stream::new_event e = sized_event(priority, size);
  e.checkpoint = true;
  return e;
}

TEST_P(store_conformance, checkpoint_none_reads_as_zero) {
  make_store(limits_of(10));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(1, 1), sized_event(1, 1)}).has_value());
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->checkpoint_seq, 0u);
}

TEST_P(store_conformance, checkpoint_latest_in_a_batch_and_across_appends) {
  make_store(limits_of(100));
  auto id = fresh_id();
  // Seqs 1..4: checkpoints at 2 and 3 in one batch: the latest (3) counts.
  ASSERT_TRUE(append(id, {sized_event(1, 1), checkpoint_event(1, 1), checkpoint_event(1, 1),
                          sized_event(1, 1)})
                  .has_value());
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->checkpoint_seq, 3u);
  // An append without a checkpoint keeps it; one with a checkpoint moves it.
  ASSERT_TRUE(append(id, {sized_event(1, 1)}).has_value());
  EXPECT_EQ(read_after(id, 0)->checkpoint_seq, 3u);
  ASSERT_TRUE(append(id, {checkpoint_event(1, 1)}).has_value());
  EXPECT_EQ(read_after(id, 4)->checkpoint_seq, 6u);
  // Ended: the end keeps the stream's facts, the checkpoint among them.
  ASSERT_TRUE(end(id).has_value());
  r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ended);
  EXPECT_EQ(r->checkpoint_seq, 6u);
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{1, 2, 3, 4, 5, 6, 7}));  // the whole history is kept
}

TEST_P(store_conformance, checkpoint_superseded_events_are_trimmed_first) {
  make_store(limits_of(5));
  auto id = fresh_id();
  // 1..3 are important but superseded by the checkpoint at 4; 5.. are the least important.
  ASSERT_TRUE(append(id, {sized_event(3, 10), sized_event(2, 10), sized_event(3, 10),
                          checkpoint_event(1, 10), sized_event(0, 10)})
                  .has_value());
  auto a = append(id, {sized_event(0, 10), sized_event(0, 10)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{1, 2}));
  for (const auto& t : a->evicted) {
    EXPECT_TRUE(t.superseded) << t.seq;
    EXPECT_EQ(t.size_bytes, 10u + ov);
  }
  EXPECT_EQ(a->evicted[0].priority, 3);
  EXPECT_EQ(a->evicted[1].priority, 2);
  // One more superseded (3), then priority order again among the newer ones (5, oldest 0).
  a = append(id, {sized_event(0, 10), sized_event(0, 10)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{3, 5}));
  EXPECT_TRUE(a->evicted[0].superseded);
  EXPECT_FALSE(a->evicted[1].superseded);
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{4, 6, 7, 8, 9}));
  EXPECT_EQ(r->checkpoint_seq, 4u);
  auto i = info(id);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->trimmed_count, 4u);  // superseded trims count like any other
  EXPECT_EQ(i->buffered_bytes, 5 * (10u + ov));
}

TEST_P(store_conformance, checkpoint_superseded_first_under_the_byte_limit) {
  make_store(limits_of(100, 5 * (10 + ov)));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(3, 10), sized_event(3, 10), sized_event(3, 10),
                          sized_event(3, 10), checkpoint_event(0, 10)})
                  .has_value());
  auto a = append(id, {sized_event(0, 10 + ov + 10)});  // two events' worth: two victims
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{1, 2}));
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{3, 4, 5, 6}));
}

TEST_P(store_conformance, checkpoint_trimmed_itself_still_reads_its_seq) {
  make_store(limits_of(2));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {checkpoint_event(0, 1), sized_event(3, 1)}).has_value());
  // The checkpoint is the lowest priority: a third event evicts it by priority.
  auto a = append(id, {sized_event(3, 1)});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(seqs(a->evicted), (std::vector<seq_t>{1}));
  EXPECT_FALSE(a->evicted[0].superseded);
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->checkpoint_seq, 1u);
  EXPECT_EQ(seqs(*r), (std::vector<seq_t>{2, 3}));
}

TEST_P(store_conformance, checkpoint_duplicate_append_changes_nothing) {
  make_store(limits_of(100));
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(1, 1), checkpoint_event(1, 1)}, 1).has_value());
  auto again = append(id, {sized_event(1, 1), checkpoint_event(1, 1)}, 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->duplicate);
  auto r = read_after(id, 0);
  EXPECT_EQ(r->checkpoint_seq, 2u);
  EXPECT_EQ(r->last_seq, 2u);
}

}  // namespace
}  // namespace sse::store::conformance
