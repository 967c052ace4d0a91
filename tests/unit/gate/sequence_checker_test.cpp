#include "load/sequence_checker.hpp"

#include <gtest/gtest.h>

namespace sse::load {
namespace {

using kind = check_result::kind;

stream::parsed_event ev(std::string id, std::string type = "delta", std::string data = "x") {
  stream::parsed_event e;
  e.id = std::move(id);
  e.id_set = true;
  e.event = std::move(type);
  e.data = std::move(data);
  return e;
}

TEST(parse_event_id, epoch_and_seq) {
  std::string_view epoch;
  seq_t seq = 0;
  EXPECT_TRUE(parse_event_id("abc123:42", epoch, seq));
  EXPECT_EQ(epoch, "abc123");
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(parse_event_id("42", epoch, seq));
  EXPECT_FALSE(parse_event_id(":42", epoch, seq));
  EXPECT_FALSE(parse_event_id("abc:", epoch, seq));
  EXPECT_FALSE(parse_event_id("abc:4x", epoch, seq));
}

TEST(sequence_checker, in_order_events_advance_the_resume_point) {
  sequence_checker c;
  c.start_stream();
  EXPECT_EQ(c.resume_point(), "");
  for (int i = 1; i <= 3; ++i) {
    const auto r = c.on_event(ev("ep1:" + std::to_string(i)));
    EXPECT_EQ(r.what, kind::data);
    EXPECT_TRUE(r.in_order);
    EXPECT_EQ(r.lost, 0u);
  }
  EXPECT_EQ(c.position(), 3u);
  EXPECT_EQ(c.resume_point(), "ep1:3");
  EXPECT_FALSE(c.ended());
}

TEST(sequence_checker, announced_gap_is_in_order) {
  sequence_checker c;
  c.on_event(ev("ep:1"));
  const auto g = c.on_event(ev("ep:4", "gap", R"({"from":2,"to":4,"reason":"trimmed"})"));
  EXPECT_EQ(g.what, kind::gap);
  EXPECT_TRUE(g.in_order);
  EXPECT_EQ(g.gap_seqs, 3u);
  EXPECT_EQ(c.position(), 4u);
  EXPECT_TRUE(c.on_event(ev("ep:5")).in_order);
}

TEST(sequence_checker, skipped_seqs_are_lost_and_late_ones_are_reorders) {
  sequence_checker c;
  c.on_event(ev("ep:1"));
  const auto jump = c.on_event(ev("ep:4"));
  EXPECT_FALSE(jump.in_order);
  EXPECT_EQ(jump.lost, 2u);
  const auto late = c.on_event(ev("ep:2"));
  EXPECT_TRUE(late.reorder);
  EXPECT_FALSE(late.duplicate);
  const auto again = c.on_event(ev("ep:2"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_FALSE(again.reorder);
  EXPECT_TRUE(c.on_event(ev("ep:3")).reorder);
  EXPECT_TRUE(c.on_event(ev("ep:4")).duplicate);
  EXPECT_EQ(c.position(), 4u);
}

TEST(sequence_checker, gap_that_starts_late_loses_the_seqs_before_it) {
  sequence_checker c;
  c.on_event(ev("ep:1"));
  const auto g = c.on_event(ev("ep:6", "gap", R"({"from":4,"to":6,"reason":"trimmed"})"));
  EXPECT_EQ(g.lost, 2u);  // 2 and 3 were neither delivered nor announced
  EXPECT_EQ(g.gap_seqs, 3u);
}

TEST(sequence_checker, overlapping_gap_is_a_duplicate_announcement) {
  sequence_checker c;
  c.on_event(ev("ep:1"));
  c.on_event(ev("ep:2"));
  const auto g = c.on_event(ev("ep:4", "gap", R"({"from":2,"to":4,"reason":"trimmed"})"));
  EXPECT_TRUE(g.duplicate);
  EXPECT_EQ(g.gap_seqs, 2u);
  EXPECT_EQ(c.position(), 4u);
}

TEST(sequence_checker, reset_restarts_from_seq_one_in_the_new_epoch) {
  sequence_checker c;
  c.on_event(ev("old:5"));
  stream::parsed_event reset;
  reset.event = "reset";
  reset.data = R"({"reason":"epoch","epoch":"new","last_seq":2})";
  const auto r = c.on_event(reset);
  EXPECT_EQ(r.what, kind::reset);
  EXPECT_FALSE(r.in_order);
  EXPECT_EQ(c.position(), 0u);
  EXPECT_TRUE(c.on_event(ev("new:1")).in_order);
  EXPECT_EQ(c.resume_point(), "new:1");
}

TEST(sequence_checker, epoch_change_without_reset_is_a_loss) {
  sequence_checker c;
  c.on_event(ev("one:3"));
  const auto r = c.on_event(ev("two:1"));
  EXPECT_FALSE(r.in_order);
  EXPECT_EQ(r.lost, 3u);
}

TEST(sequence_checker, end_event_is_checked_and_ends_the_stream) {
  sequence_checker c;
  c.on_event(ev("ep:1"));
  const auto r = c.on_event(ev("ep:2", "end", R"({"status":"completed"})"));
  EXPECT_EQ(r.what, kind::end);
  EXPECT_TRUE(r.in_order);
  EXPECT_TRUE(c.ended());
  c.start_stream();
  EXPECT_FALSE(c.ended());
  EXPECT_EQ(c.resume_point(), "");
}

TEST(sequence_checker, events_without_id_are_ignored) {
  sequence_checker c;
  stream::parsed_event e;
  e.data = "hello";
  EXPECT_EQ(c.on_event(e).what, kind::ignored);
  e.id = "garbage";
  e.id_set = true;
  EXPECT_EQ(c.on_event(e).what, kind::ignored);
  EXPECT_EQ(c.position(), 0u);
}

}  // namespace
}  // namespace sse::load
