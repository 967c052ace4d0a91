// Checkpoints: where a subscribe starts, for every position against the latest
// checkpoint and trims, and what the plan sends. Pure: no store, no socket.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "stream/resume.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

constexpr std::string_view epoch = "ep0001";

resume_point at(seq_t seq) {
  return resume_point{std::string(epoch), seq};
}

stored_event ev(seq_t seq, bool checkpoint = false) {
  new_event e{"", "d" + std::to_string(seq), default_priority, checkpoint};
  return make_stored_event(epoch, seq, e);
}

std::vector<stored_event> evs(seq_t from, seq_t to, seq_t checkpoint = 0) {
  std::vector<stored_event> out;
  for (seq_t s = from; s <= to; ++s) {
    out.push_back(ev(s, s == checkpoint));
  }
  return out;
}

std::vector<std::string> frames(const replay_plan& p) {
  std::vector<std::string> out;
  for (const auto& f : p.frames) {
    out.push_back(*f);
  }
  return out;
}

// The stream of these tests: seqs 1..10, checkpoint at 6.
constexpr seq_t last = 10;
constexpr seq_t ckpt = 6;

TEST(checkpoint_decision, no_resume_point_starts_at_the_checkpoint_with_a_gap) {
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt);
  EXPECT_EQ(d.kind, resume_kind::from_start);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, ckpt - 1);
  ASSERT_TRUE(d.superseded.has_value());
  EXPECT_EQ(*d.superseded, (seq_range{1, 5}));
}

TEST(checkpoint_decision, resume_point_before_the_checkpoint_starts_there) {
  auto d = decide_resume(at(2), epoch, last, false, ckpt);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, 5u);
  ASSERT_TRUE(d.superseded.has_value());
  EXPECT_EQ(*d.superseded, (seq_range{3, 5}));
}

TEST(checkpoint_decision, resume_point_just_before_the_checkpoint_has_no_gap) {
  auto d = decide_resume(at(5), epoch, last, false, ckpt);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, 5u);
  EXPECT_FALSE(d.superseded.has_value());
}

TEST(checkpoint_decision, resume_point_at_or_after_the_checkpoint_resumes_as_today) {
  for (seq_t seq : {ckpt, ckpt + 1, last}) {
    auto d = decide_resume(at(seq), epoch, last, false, ckpt);
    EXPECT_EQ(d.kind, resume_kind::resume) << seq;
    EXPECT_FALSE(d.at_checkpoint) << seq;
    EXPECT_EQ(d.after, seq) << seq;
    EXPECT_FALSE(d.superseded.has_value()) << seq;
  }
}

TEST(checkpoint_decision, history_full_ignores_the_checkpoint) {
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt, history_mode::full);
  EXPECT_EQ(d.kind, resume_kind::from_start);
  EXPECT_FALSE(d.at_checkpoint);
  EXPECT_EQ(d.after, 0u);
  d = decide_resume(at(2), epoch, last, false, ckpt, history_mode::full);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_FALSE(d.at_checkpoint);
  EXPECT_EQ(d.after, 2u);
}

TEST(checkpoint_decision, no_checkpoint_is_today) {
  auto d = decide_resume(std::nullopt, epoch, last, false, 0);
  EXPECT_FALSE(d.at_checkpoint);
  EXPECT_EQ(d.after, 0u);
  d = decide_resume(at(2), epoch, last, false, 0);
  EXPECT_FALSE(d.at_checkpoint);
  EXPECT_EQ(d.after, 2u);
}

TEST(checkpoint_decision, resets_start_at_the_checkpoint_too) {
  auto d = decide_resume(resume_point{"other1", 3}, epoch, last, false, ckpt);
  EXPECT_EQ(d.kind, resume_kind::reset_epoch);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, 5u);
  EXPECT_EQ(*d.superseded, (seq_range{1, 5}));
  d = decide_resume(at(99), epoch, last, false, ckpt);
  EXPECT_EQ(d.kind, resume_kind::reset_ahead);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, 5u);
}

TEST(checkpoint_decision, finished_stays_finished) {
  auto d = decide_resume(at(last), epoch, last, true, ckpt);
  EXPECT_EQ(d.kind, resume_kind::finished);
  EXPECT_FALSE(d.at_checkpoint);
}

TEST(checkpoint_decision, checkpoint_at_seq_one_has_nothing_to_skip) {
  auto d = decide_resume(std::nullopt, epoch, last, false, 1);
  EXPECT_TRUE(d.at_checkpoint);
  EXPECT_EQ(d.after, 0u);
  EXPECT_FALSE(d.superseded.has_value());
}

TEST(checkpoint_plan, gap_then_checkpoint_then_tail) {
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt);
  // The read may be wider than `after` (the gateway reads once, from the resume point).
  auto events = evs(1, last, ckpt);
  auto p = plan_start(epoch, d, events, last);
  std::vector<std::string> want{encode_gap(epoch, 1, 5, gap_reason::checkpoint)};
  for (seq_t s = ckpt; s <= last; ++s) {
    want.push_back(*ev(s, s == ckpt).frame);
  }
  EXPECT_EQ(frames(p), want);
  EXPECT_EQ(p.skipped, 5u);
  EXPECT_EQ(p.missed, 0u);
  EXPECT_EQ(p.replayed, 5u);
  EXPECT_EQ(p.next_seq, last + 1);
}

TEST(checkpoint_plan, the_gap_says_checkpoint) {
  EXPECT_EQ(encode_gap(epoch, 1, 5, gap_reason::checkpoint),
            "id: ep0001:5\nevent: gap\ndata: {\"from\":1,\"to\":5,\"reason\":\"checkpoint\"}\n\n");
}

TEST(checkpoint_plan, trimmed_region_before_the_checkpoint_is_one_checkpoint_gap) {
  // Seqs 1..4 were trimmed (superseded first): the buffer holds 5..10.
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt);
  auto events = evs(5, last, ckpt);
  auto p = plan_start(epoch, d, events, last);
  ASSERT_EQ(p.frames.size(), 6u);
  EXPECT_EQ(*p.frames[0], encode_gap(epoch, 1, 5, gap_reason::checkpoint));
  EXPECT_EQ(*p.frames[1], *ev(ckpt, true).frame);
  EXPECT_EQ(p.missed, 0u);
}

TEST(checkpoint_plan, trimmed_region_after_the_checkpoint_is_a_trimmed_gap) {
  // 8 was trimmed by priority: the checkpoint, a trimmed gap, then the rest.
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt);
  std::vector<stored_event> events{ev(6, true), ev(7), ev(9), ev(10)};
  auto p = plan_start(epoch, d, events, last);
  std::vector<std::string> want{
      encode_gap(epoch, 1, 5, gap_reason::checkpoint), *ev(6, true).frame, *ev(7).frame,
      encode_gap(epoch, 8, 8, gap_reason::trimmed),    *ev(9).frame,       *ev(10).frame};
  EXPECT_EQ(frames(p), want);
  EXPECT_EQ(p.missed, 1u);
  EXPECT_EQ(p.skipped, 5u);
}

TEST(checkpoint_plan, a_trimmed_checkpoint_is_announced_as_trimmed) {
  // The checkpoint itself was evicted by priority: the client learns both facts.
  auto d = decide_resume(std::nullopt, epoch, last, false, ckpt);
  auto events = evs(7, last);
  auto p = plan_start(epoch, d, events, last);
  ASSERT_GE(p.frames.size(), 2u);
  EXPECT_EQ(*p.frames[0], encode_gap(epoch, 1, 5, gap_reason::checkpoint));
  EXPECT_EQ(*p.frames[1], encode_gap(epoch, 6, 6, gap_reason::trimmed));
}

TEST(checkpoint_plan, resume_after_the_checkpoint_has_no_checkpoint_gap) {
  auto d = decide_resume(at(8), epoch, last, false, ckpt);
  auto events = evs(9, last);
  auto p = plan_start(epoch, d, events, last);
  EXPECT_EQ(frames(p), (std::vector<std::string>{*ev(9).frame, *ev(10).frame}));
  EXPECT_EQ(p.skipped, 0u);
}

}  // namespace
}  // namespace sse::stream
