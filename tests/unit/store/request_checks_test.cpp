// The request checks both stores make before touching a stream (src/store/request_checks).

#include "store/request_checks.hpp"

#include <gtest/gtest.h>

namespace sse::store {
namespace {

append_request with_priorities(std::initializer_list<int> priorities) {
  append_request r;
  r.stream_id = "s";
  for (int p : priorities) {
    r.events.push_back(stream::new_event{"", "x", p});
  }
  return r;
}

TEST(request_checks, an_append_needs_at_least_one_event) {
  EXPECT_EQ(check_append(with_priorities({})).error(), errc::invalid_argument);
}

TEST(request_checks, every_priority_must_be_in_range) {
  EXPECT_TRUE(check_append(with_priorities({min_priority, 1, 2, max_priority})).has_value());
  EXPECT_EQ(check_append(with_priorities({1, max_priority + 1})).error(), errc::invalid_event);
  EXPECT_EQ(check_append(with_priorities({min_priority - 1, 1})).error(), errc::invalid_event);
}

TEST(request_checks, open_is_not_a_way_to_end) {
  EXPECT_EQ(check_end(stream_status::open).error(), errc::invalid_argument);
  for (auto s : {stream_status::completed, stream_status::failed, stream_status::cancelled}) {
    EXPECT_TRUE(check_end(s).has_value()) << to_string(s);
  }
}

}  // namespace
}  // namespace sse::store
