#pragma once
// A private scratch folder per test object, so parallel ctest runs never share files.

#include <filesystem>
#include <string>
#include <string_view>

namespace sse::test {

/// mkdtemp under $TMPDIR (or /tmp). The destructor removes it recursively unless the environment
/// variable SSE_KEEP_TEST_DIRS is set (then the path is kept for post-mortems). Throws
/// std::runtime_error when the folder cannot be made.
class temp_dir {
 public:
  explicit temp_dir(std::string_view prefix = "sse-test");
  ~temp_dir();
  temp_dir(temp_dir&& other) noexcept;
  temp_dir& operator=(temp_dir&& other) noexcept;
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  void remove() noexcept;
  std::filesystem::path path_;
};

/// Whole content of a file ("" when it does not exist).
std::string read_file_text(const std::filesystem::path& p);

}  // namespace sse::test
