#include "telemetry/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <regex>
#include <string>

namespace sse::telemetry {
namespace {

TEST(init_logging, sets_the_level_and_can_be_called_again) {
  init_logging("debug");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  EXPECT_EQ(spdlog::default_logger()->name(), "sse-gateway");
  init_logging("warn");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
  init_logging("off");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::off);
  init_logging("trace");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::trace);
  init_logging("error");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  init_logging("nonsense");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::info);
  init_logging("info");
}

TEST(init_logging, writes_utc_lines_to_stderr_not_stdout) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  init_logging("info");  // after the capture, so the sink sees the captured file
  spdlog::info("hello {}", 42);
  spdlog::debug("hidden");
  spdlog::default_logger()->flush();
  const std::string err = testing::internal::GetCapturedStderr();
  const std::string out = testing::internal::GetCapturedStdout();
  init_logging("info");
  EXPECT_TRUE(out.empty()) << out;
  const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info \[\d+\] hello 42\n)");
  EXPECT_TRUE(std::regex_match(err, line)) << err;
}

}  // namespace
}  // namespace sse::telemetry
