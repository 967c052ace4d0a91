#include "core/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sse {
namespace {

TEST(error, names_are_stable_and_distinct) {
  EXPECT_EQ(error_name(errc::stream_not_found), "stream_not_found");
  EXPECT_EQ(error_name(errc::stream_ended), "stream_ended");
  EXPECT_EQ(error_name(errc::producer_seq_conflict), "producer_seq_conflict");
  EXPECT_EQ(error_name(errc::store_unavailable), "store_unavailable");
  EXPECT_EQ(error_name(errc::invalid_stream_id), "invalid_stream_id");
  EXPECT_EQ(error_name(errc::invalid_event), "invalid_event");
  EXPECT_EQ(error_name(errc::invalid_argument), "invalid_argument");
  EXPECT_EQ(error_name(errc::too_large), "too_large");
  EXPECT_EQ(error_name(errc::bad_resume_point), "bad_resume_point");
  EXPECT_EQ(error_name(errc::internal), "internal");
  EXPECT_EQ(error_name(errc::outcome_unknown), "outcome_unknown");
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(errc::outcome_unknown); ++i) {
    names.insert(error_name(static_cast<errc>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(errc::outcome_unknown) + 1);
}

TEST(error, travels_as_error_code_in_result) {
  boost::system::error_code ec = errc::stream_ended;
  EXPECT_EQ(ec.category(), gateway_category());
  EXPECT_EQ(ec.message(), "stream_ended");
  EXPECT_EQ(std::string(ec.category().name()), "sse-gateway");
  EXPECT_TRUE(ec == errc::stream_ended);
  EXPECT_FALSE(ec == errc::stream_not_found);

  result<int> r = errc::too_large;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::too_large);
  result<int> ok = 7;
  EXPECT_EQ(*ok, 7);
}

}  // namespace
}  // namespace sse
