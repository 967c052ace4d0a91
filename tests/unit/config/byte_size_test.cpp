#include "config/byte_size.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace sse::config {
namespace {

TEST(parse_byte_size, accepts_bare_bytes) {
  EXPECT_EQ(parse_byte_size("0").value(), 0u);
  EXPECT_EQ(parse_byte_size("1").value(), 1u);
  EXPECT_EQ(parse_byte_size("1048576").value(), 1048576u);
  EXPECT_EQ(parse_byte_size("512B").value(), 512u);
}

TEST(parse_byte_size, accepts_every_binary_unit) {
  EXPECT_EQ(parse_byte_size("1KiB").value(), 1024u);
  EXPECT_EQ(parse_byte_size("256KiB").value(), 256u * 1024);
  EXPECT_EQ(parse_byte_size("64k").value(), 64u * 1024);
  EXPECT_EQ(parse_byte_size("64K").value(), 64u * 1024);
  EXPECT_EQ(parse_byte_size("64KB").value(), 64u * 1024);
  EXPECT_EQ(parse_byte_size("1MiB").value(), 1024u * 1024);
  EXPECT_EQ(parse_byte_size("4M").value(), 4u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("4MB").value(), 4u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GiB").value(), 1024u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2G").value(), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2GB").value(), 2ull * 1024 * 1024 * 1024);
}

TEST(parse_byte_size, accepts_fractions_that_land_on_whole_bytes) {
  EXPECT_EQ(parse_byte_size("1.5KiB").value(), 1536u);
  EXPECT_EQ(parse_byte_size("0.5M").value(), 512u * 1024);
  EXPECT_FALSE(parse_byte_size("1.5"));
  EXPECT_FALSE(parse_byte_size("0.001KiB"));
}

TEST(parse_byte_size, rejects_garbage) {
  for (const char* bad : {"", "-1", "-1KiB", "+5", "1XB", "KiB", "1 KiB", " 1", "1kib", "1TiB",
                          "1b", "1.", ".5M", "1e6", "0x10", "abc", "1MiBx"}) {
    EXPECT_FALSE(parse_byte_size(bad)) << '"' << bad << '"';
  }
}

TEST(parse_byte_size, rejects_overflow) {
  EXPECT_EQ(parse_byte_size("18446744073709551615").value(),
            std::numeric_limits<std::size_t>::max());
  EXPECT_FALSE(parse_byte_size("18446744073709551616"));
  EXPECT_FALSE(parse_byte_size("17179869184GiB"));
  EXPECT_FALSE(parse_byte_size("99999999999999999999999K"));
}

TEST(format_byte_size, picks_the_largest_exact_unit_and_round_trips) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(128), "128");
  EXPECT_EQ(format_byte_size(1536), "1536");
  EXPECT_EQ(format_byte_size(256 * 1024), "256KiB");
  EXPECT_EQ(format_byte_size(1024 * 1024), "1MiB");
  EXPECT_EQ(format_byte_size(3ull * 1024 * 1024 * 1024), "3GiB");
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1023}, std::size_t{1024},
                        std::size_t{1025}, std::size_t{4} << 20, std::size_t{5} << 30}) {
    EXPECT_EQ(parse_byte_size(format_byte_size(n)).value(), n) << n;
  }
}

}  // namespace
}  // namespace sse::config
