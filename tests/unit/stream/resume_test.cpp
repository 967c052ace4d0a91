#include "stream/resume.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sse::stream {
namespace {

TEST(parse_resume_point, epoch_and_seq) {
  auto rp = parse_resume_point("abc123:42");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->epoch, "abc123");
  EXPECT_EQ(rp->seq, 42u);
}

TEST(parse_resume_point, bare_seq_means_current_epoch) {
  auto rp = parse_resume_point("17");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->epoch, "");
  EXPECT_EQ(rp->seq, 17u);
  rp = parse_resume_point("0");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->seq, 0u);
  rp = parse_resume_point("007");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->seq, 7u);
}

TEST(parse_resume_point, largest_seq) {
  auto rp = parse_resume_point("18446744073709551615");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->seq, UINT64_MAX);
  rp = parse_resume_point("abcdef:18446744073709551615");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->seq, UINT64_MAX);
}

TEST(parse_resume_point, epoch_of_right_form_but_unknown_is_not_an_error) {
  auto rp = parse_resume_point("zzzzzzzzzzzz:0");
  ASSERT_TRUE(rp.has_value());
  EXPECT_EQ(rp->epoch, "zzzzzzzzzzzz");
}

TEST(parse_resume_point, rejects_malformed) {
  using namespace std::literals;
  for (std::string_view bad : {""sv,
                               " "sv,
                               " 1"sv,
                               "1 "sv,
                               "abc"sv,
                               "abc:"sv,
                               ":5"sv,
                               "-1"sv,
                               "+1"sv,
                               "1.5"sv,
                               "0x10"sv,
                               "18446744073709551616"sv,
                               "99999999999999999999"sv,
                               "000000000000000000001"sv,
                               "abc:5"sv,
                               "ABCDEF:5"sv,
                               "abcdef:"sv,
                               "abcdef:x"sv,
                               "abcdef:-1"sv,
                               "abcdef:1:2"sv,
                               "abcdef::1"sv,
                               "abcdefghijklm:1"sv,
                               "abcdef: 1"sv,
                               "1\n"sv,
                               "1\0"sv}) {
    auto rp = parse_resume_point(bad);
    ASSERT_FALSE(rp.has_value()) << "accepted: '" << bad << "'";
    EXPECT_EQ(rp.error(), errc::bad_resume_point);
  }
}

TEST(decide_resume, no_resume_point_starts_from_the_beginning) {
  auto d = decide_resume(std::nullopt, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::from_start);
  EXPECT_EQ(d.after, 0u);
  d = decide_resume(std::nullopt, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::from_start) << "an ended stream still replays to its end";
}

TEST(decide_resume, same_epoch_resumes) {
  auto d = decide_resume(resume_point{"abcdef", 4}, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_EQ(d.after, 4u);
}

TEST(decide_resume, bare_seq_resumes_in_current_epoch) {
  auto d = decide_resume(resume_point{"", 4}, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_EQ(d.after, 4u);
}

TEST(decide_resume, zero_and_last_seq_resume) {
  EXPECT_EQ(decide_resume(resume_point{"", 0}, "abcdef", 10, false).kind, resume_kind::resume);
  auto d = decide_resume(resume_point{"abcdef", 10}, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::resume) << "caught up: go live";
  EXPECT_EQ(d.after, 10u);
  d = decide_resume(resume_point{"", 0}, "abcdef", 0, false);
  EXPECT_EQ(d.kind, resume_kind::resume) << "empty stream";
}

TEST(decide_resume, other_epoch_resets) {
  auto d = decide_resume(resume_point{"zzzzzz", 4}, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::reset_epoch);
  EXPECT_EQ(d.after, 0u);
  // The epoch check comes first, even past the end of an ended stream.
  d = decide_resume(resume_point{"zzzzzz", 99}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::reset_epoch);
}

TEST(decide_resume, ahead_resets) {
  auto d = decide_resume(resume_point{"abcdef", 11}, "abcdef", 10, false);
  EXPECT_EQ(d.kind, resume_kind::reset_ahead);
  EXPECT_EQ(d.after, 0u);
  d = decide_resume(resume_point{"", 1}, "abcdef", 0, false);
  EXPECT_EQ(d.kind, resume_kind::reset_ahead);
}

TEST(decide_resume, past_the_end_of_an_ended_stream_is_finished) {
  auto d = decide_resume(resume_point{"", 11}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::finished);
  d = decide_resume(resume_point{"abcdef", 100}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::finished);
}

TEST(decide_resume, at_the_end_of_an_ended_stream_is_finished) {
  auto d = decide_resume(resume_point{"abcdef", 10}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::finished);
  d = decide_resume(resume_point{"", 10}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::finished);
}

TEST(decide_resume, before_the_end_of_an_ended_stream_resumes) {
  auto d = decide_resume(resume_point{"abcdef", 9}, "abcdef", 10, true);
  EXPECT_EQ(d.kind, resume_kind::resume);
  EXPECT_EQ(d.after, 9u);
}

}  // namespace
}  // namespace sse::stream
