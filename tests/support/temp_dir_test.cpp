#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "free_port.hpp"

namespace sse::test {
namespace {

TEST(temp_dir, is_created_and_removed_with_its_content) {
  std::filesystem::path kept;
  {
    temp_dir dir("unit");
    kept = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(kept));
    EXPECT_NE(kept.filename().string().find("unit-"), std::string::npos);
    std::filesystem::create_directories(dir / "a" / "b");
    std::ofstream(dir / "a" / "b" / "f.txt") << "x";
    EXPECT_EQ(read_file_text(dir / "a" / "b" / "f.txt"), "x");
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(temp_dir, two_dirs_differ_and_a_moved_dir_is_removed_once) {
  temp_dir a;
  temp_dir b;
  EXPECT_NE(a.path(), b.path());
  const auto path = a.path();
  temp_dir c(std::move(a));
  EXPECT_EQ(c.path(), path);
  EXPECT_TRUE(a.path().empty());
}

TEST(temp_dir, read_file_text_of_missing_file_is_empty) {
  temp_dir dir;
  EXPECT_EQ(read_file_text(dir / "missing"), "");
}

TEST(free_port, returns_a_bindable_loopback_port) {
  const auto p = free_port();
  EXPECT_GT(p, 0);
}

}  // namespace
}  // namespace sse::test
