// Where the v1.10 elements that the upgrade could not decode may have sat (the seqs announced as
// unreadable), and the state field those ranges are stored in. Pure, no Redis.

#include "store/redis/unreadable.hpp"

#include <gtest/gtest.h>

namespace sse::store::redis_layout {
namespace {

using stream::seq_range;
using seqs = std::vector<std::optional<seq_t>>;
constexpr std::nullopt_t bad = std::nullopt;

TEST(find_unreadable_runs, none_when_everything_decodes) {
  EXPECT_TRUE(find_unreadable_runs(seqs{1, 2, 3}, 3).empty());
  EXPECT_TRUE(find_unreadable_runs(seqs{}, 0).empty());
}

TEST(find_unreadable_runs, a_last_element_takes_the_seqs_up_to_last_seq) {
  auto runs = find_unreadable_runs(seqs{1, 2, 3, 4, 5, bad}, 6);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first_index, 5u);
  EXPECT_EQ(runs[0].count, 1u);
  EXPECT_EQ(runs[0].seqs, (seq_range{6, 6}));
}

TEST(find_unreadable_runs, a_hole_between_readable_neighbours_is_named_whole) {
  // 4..7 missing, two elements unreadable: which two of the four cannot be known.
  auto runs = find_unreadable_runs(seqs{1, 3, bad, bad, 8}, 8);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first_index, 2u);
  EXPECT_EQ(runs[0].count, 2u);
  EXPECT_EQ(runs[0].seqs, (seq_range{4, 7}));
}

TEST(find_unreadable_runs, leading_and_several_runs) {
  auto runs = find_unreadable_runs(seqs{bad, 5, bad, 7, bad}, 7);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].seqs, (seq_range{1, 4}));
  EXPECT_EQ(runs[1].seqs, (seq_range{6, 6}));
  EXPECT_EQ(runs[2].first_index, 4u);
  EXPECT_EQ(runs[2].seqs, (seq_range{8, 8})) << "beyond a stale last_seq: at least one more seq";
}

TEST(find_unreadable_runs, all_unreadable_takes_one_to_last_seq) {
  auto runs = find_unreadable_runs(seqs{bad, bad}, 9);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].count, 2u);
  EXPECT_EQ(runs[0].seqs, (seq_range{1, 9}));
}

TEST(find_unreadable_runs, neighbours_leaving_no_room_give_unknown_seqs) {
  auto runs = find_unreadable_runs(seqs{4, bad, 5}, 5);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].seqs, (seq_range{0, 0}));
}

TEST(seq_ranges, format_and_parse_round_trip) {
  const std::vector<seq_range> r{{1, 4}, {6, 6}, {18446744073709551614u, 18446744073709551615u}};
  const std::string text = format_seq_ranges(r);
  EXPECT_EQ(text, "1-4,6-6,18446744073709551614-18446744073709551615");
  EXPECT_EQ(parse_seq_ranges(text), r);
  EXPECT_EQ(format_seq_ranges({}), "");
  EXPECT_TRUE(parse_seq_ranges("").empty());
}

TEST(seq_ranges, malformed_and_out_of_order_parts_are_skipped) {
  EXPECT_EQ(parse_seq_ranges("x,3-2,0-1,5-7,6-8,9,10-11,12-"),
            (std::vector<seq_range>{{5, 7}, {10, 11}}));
}

}  // namespace
}  // namespace sse::store::redis_layout
