#include "core/text.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string_view>

namespace {

using sse::core::iequals;

/// `s` copied into a heap block of exactly its size, so that a read past either end is a
/// heap-buffer-overflow under the asan preset.
std::unique_ptr<char[]> exact_copy(std::string_view s) {
  auto p = std::make_unique<char[]>(s.size());
  std::memcpy(p.get(), s.data(), s.size());
  return p;
}

TEST(iequals, ignores_ascii_case_only) {
  EXPECT_TRUE(iequals("Transfer-Encoding", "transfer-encoding"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("chunked", "chunke"));
  EXPECT_FALSE(iequals("chunked", "chunkex"));
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89"));  // é vs É: not ASCII, not folded
}

// Boost 1.81's beast::iequals reads one byte past both strings when they differ only in the case
// of their last character; target_fuzz found it on `Transfer-Encoding: chunkeD` at the end of a
// request. The asan preset turns a regression into a failure here.
TEST(iequals, last_character_differing_in_case_stays_in_bounds) {
  const auto a = exact_copy("chunkeD");
  const auto b = exact_copy("chunked");
  EXPECT_TRUE(iequals(std::string_view(a.get(), 7), std::string_view(b.get(), 7)));
  const auto c = exact_copy("chunkeX");
  EXPECT_FALSE(iequals(std::string_view(c.get(), 7), std::string_view(b.get(), 7)));
}

}  // namespace
