#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream/resume.hpp"
#include "stream/sse_encoder.hpp"
#include "stream/sse_parser.hpp"

namespace sse::stream {
namespace {

constexpr std::string_view epoch = "ep0001";

stored_event ev(seq_t seq, bool is_end = false) {
  new_event e{is_end ? "end" : "", is_end ? end_event_data("completed") : "d" + std::to_string(seq),
              is_end ? max_priority : default_priority};
  return make_stored_event(epoch, seq, e, is_end);
}

std::vector<stored_event> evs(std::initializer_list<seq_t> seqs) {
  std::vector<stored_event> out;
  for (seq_t s : seqs) {
    out.push_back(ev(s));
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

TEST(plan_replay, no_holes) {
  auto events = evs({3, 4, 5});
  auto p = plan_replay(epoch, 2, events, 5);
  EXPECT_EQ(frames(p),
            (std::vector<std::string>{*events[0].frame, *events[1].frame, *events[2].frame}));
  EXPECT_EQ(p.frames[0].get(), events[0].frame.get()) << "event frames are shared, not copied";
  EXPECT_EQ(p.next_seq, 6u);
  EXPECT_EQ(p.replayed, 3u);
  EXPECT_EQ(p.missed, 0u);
  EXPECT_FALSE(p.reached_end);
}

TEST(plan_replay, caught_up_is_empty) {
  auto p = plan_replay(epoch, 5, {}, 5);
  EXPECT_TRUE(p.frames.empty());
  EXPECT_EQ(p.next_seq, 6u);
  EXPECT_EQ(p.replayed, 0u);
  EXPECT_EQ(p.missed, 0u);
}

TEST(plan_replay, empty_stream) {
  auto p = plan_replay(epoch, 0, {}, 0);
  EXPECT_TRUE(p.frames.empty());
  EXPECT_EQ(p.next_seq, 1u);
}

TEST(plan_replay, leading_gap) {
  auto events = evs({4, 5});
  auto p = plan_replay(epoch, 0, events, 5);
  EXPECT_EQ(frames(p), (std::vector<std::string>{encode_gap(epoch, 1, 3), *events[0].frame,
                                                 *events[1].frame}));
  EXPECT_EQ(p.missed, 3u);
  EXPECT_EQ(p.replayed, 2u);
  EXPECT_EQ(p.next_seq, 6u);
}

TEST(plan_replay, middle_gap) {
  auto events = evs({3, 6});
  auto p = plan_replay(epoch, 2, events, 6);
  EXPECT_EQ(frames(p), (std::vector<std::string>{*events[0].frame, encode_gap(epoch, 4, 5),
                                                 *events[1].frame}));
  EXPECT_EQ(p.missed, 2u);
}

TEST(plan_replay, trailing_gap) {
  auto events = evs({3});
  auto p = plan_replay(epoch, 2, events, 7);
  EXPECT_EQ(frames(p), (std::vector<std::string>{*events[0].frame, encode_gap(epoch, 4, 7)}));
  EXPECT_EQ(p.missed, 4u);
  EXPECT_EQ(p.next_seq, 8u);
}

TEST(plan_replay, everything_trimmed_is_one_gap) {
  auto p = plan_replay(epoch, 3, {}, 9);
  EXPECT_EQ(frames(p), (std::vector<std::string>{encode_gap(epoch, 4, 9)}));
  EXPECT_EQ(p.missed, 6u);
  EXPECT_EQ(p.replayed, 0u);
  EXPECT_EQ(p.next_seq, 10u);
}

TEST(plan_replay, several_holes_in_order) {
  auto events = evs({2, 5, 6, 9});
  auto p = plan_replay(epoch, 0, events, 12);
  EXPECT_EQ(frames(p), (std::vector<std::string>{encode_gap(epoch, 1, 1), *events[0].frame,
                                                 encode_gap(epoch, 3, 4), *events[1].frame,
                                                 *events[2].frame, encode_gap(epoch, 7, 8),
                                                 *events[3].frame, encode_gap(epoch, 10, 12)}));
  EXPECT_EQ(p.missed, 1u + 2u + 2u + 3u);
  EXPECT_EQ(p.replayed, 4u);
  EXPECT_EQ(p.next_seq, 13u);
}

TEST(plan_replay, reaches_end) {
  std::vector<stored_event> events = evs({7});
  events.push_back(ev(9, true));
  auto p = plan_replay(epoch, 5, events, 9);
  EXPECT_EQ(frames(p), (std::vector<std::string>{encode_gap(epoch, 6, 6), *events[0].frame,
                                                 encode_gap(epoch, 8, 8), *events[1].frame}));
  EXPECT_TRUE(p.reached_end);
  EXPECT_EQ(p.next_seq, 10u);
}

TEST(plan_replay, ignores_events_not_after_the_resume_point) {
  auto events = evs({2, 3, 4});
  auto p = plan_replay(epoch, 3, events, 4);
  EXPECT_EQ(frames(p), (std::vector<std::string>{*events[2].frame}));
  EXPECT_EQ(p.replayed, 1u);
}

TEST(plan_replay, parsed_frames_announce_every_seq_exactly_once) {
  // What a client sees: every seq in (after, last] is either an event or inside one gap, in order.
  auto events = evs({3, 4, 8, 10, 11});
  auto p = plan_replay(epoch, 1, events, 14);
  sse_parser parser;
  seq_t covered = 1;
  std::size_t gaps = 0;
  for (const auto& f : p.frames) {
    auto got = parser.feed(*f);
    ASSERT_EQ(got.size(), 1u);
    const std::string prefix = std::string(epoch) + ":";
    ASSERT_EQ(got[0].id.rfind(prefix, 0), 0u);
    seq_t id_seq = std::stoull(got[0].id.substr(prefix.size()));
    if (got[0].event == "gap") {
      ++gaps;
      std::string expected = "{\"from\":" + std::to_string(covered + 1) +
                             ",\"to\":" + std::to_string(id_seq) + ",\"reason\":\"trimmed\"}";
      EXPECT_EQ(got[0].data, expected);
    } else {
      EXPECT_EQ(id_seq, covered + 1);
    }
    covered = id_seq;
  }
  EXPECT_EQ(covered, 14u);
  EXPECT_EQ(gaps, 4u);  // 2, 5-7, 9, 12-14
}

// Holes that held events the store could not read (v1.10 elements kept aside by the upgrade)
// are announced as unreadable; where such a hole touches trimmed seqs, the gap is split.
TEST(plan_replay, unreadable_hole_is_announced_as_unreadable) {
  auto events = evs({1, 2, 3, 4, 5});
  const std::vector<seq_range> unreadable{{6, 6}};
  auto p = plan_replay(epoch, 0, events, 6, unreadable);
  ASSERT_EQ(p.frames.size(), 6u);
  EXPECT_EQ(*p.frames[5], encode_gap(epoch, 6, 6, gap_reason::unreadable));
  EXPECT_EQ(p.missed, 1u);
  EXPECT_EQ(p.next_seq, 7u);
}

TEST(plan_replay, gap_overlapping_unreadable_ranges_is_split_by_reason) {
  // 2..9 missing: 3-4 and 7 unreadable, the rest trimmed (e.g. neighbours trimmed later).
  auto events = evs({1, 10});
  const std::vector<seq_range> unreadable{{3, 4}, {7, 7}, {12, 12}};
  auto p = plan_replay(epoch, 0, events, 12, unreadable);
  EXPECT_EQ(frames(p), (std::vector<std::string>{
                           *events[0].frame, encode_gap(epoch, 2, 2),
                           encode_gap(epoch, 3, 4, gap_reason::unreadable), encode_gap(epoch, 5, 6),
                           encode_gap(epoch, 7, 7, gap_reason::unreadable), encode_gap(epoch, 8, 9),
                           *events[1].frame, encode_gap(epoch, 11, 11),
                           encode_gap(epoch, 12, 12, gap_reason::unreadable)}));
  EXPECT_EQ(p.missed, 10u);
}

TEST(plan_replay, resume_inside_an_unreadable_range_announces_only_its_rest) {
  auto events = evs({9});
  const std::vector<seq_range> unreadable{{2, 8}};
  auto p = plan_replay(epoch, 5, events, 9, unreadable);
  EXPECT_EQ(frames(p), (std::vector<std::string>{encode_gap(epoch, 6, 8, gap_reason::unreadable),
                                                 *events[0].frame}));
  EXPECT_EQ(p.missed, 3u);
}

TEST(plan_replay, unreadable_ranges_outside_the_gaps_change_nothing) {
  auto events = evs({1, 3});
  const std::vector<seq_range> unreadable{{5, 6}};
  auto p = plan_replay(epoch, 0, events, 3, unreadable);
  EXPECT_EQ(frames(p), (std::vector<std::string>{*events[0].frame, encode_gap(epoch, 2, 2),
                                                 *events[1].frame}));
}

}  // namespace
}  // namespace sse::stream
