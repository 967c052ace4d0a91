#include "config/values.hpp"

#include <gtest/gtest.h>

namespace sse::config {
namespace {

TEST(parse_listen, accepts_host_and_port) {
  auto a = parse_listen("127.0.0.1:8080").value();
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 8080);
  auto b = parse_listen("localhost:0").value();
  EXPECT_EQ(b.host, "localhost");
  EXPECT_EQ(b.port, 0);
  auto c = parse_listen("0.0.0.0:65535").value();
  EXPECT_EQ(c.port, 65535);
}

TEST(parse_listen, accepts_bracketed_ipv6) {
  auto a = parse_listen("[::1]:8080").value();
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 8080);
  auto b = parse_listen("[::]:0").value();
  EXPECT_EQ(b.host, "::");
  EXPECT_EQ(b.port, 0);
}

TEST(parse_listen, rejects_malformed) {
  for (const char* bad :
       {"", "8080", ":8080", "host", "host:", "host:65536", "host:-1", "host:80x", "::1:8080",
        "[::1]", "[::1]8080", "[::1]:", "[]:80", "[::1:80", "host:99999999999999999999"}) {
    EXPECT_FALSE(parse_listen(bad)) << '"' << bad << '"';
  }
}

TEST(format_listen, brackets_ipv6_and_round_trips) {
  EXPECT_EQ(format_listen({"127.0.0.1", 8080}), "127.0.0.1:8080");
  EXPECT_EQ(format_listen({"::1", 0}), "[::1]:0");
  auto a = parse_listen(format_listen({"::1", 9})).value();
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 9);
}

TEST(validate_store, accepts_memory_and_redis_urls) {
  for (const char* good : {"memory", "redis://localhost", "redis://127.0.0.1:6379",
                           "redis://h:6379/0", "redis://:secret@h:6379", "redis://user:p@ss@h:1/15",
                           "redis://[::1]:6379", "redis://[::1]"}) {
    EXPECT_TRUE(validate_store(good)) << good;
  }
}

TEST(validate_store, rejects_other_schemes_and_malformed_urls) {
  for (const char* bad : {"", "Memory", "mem", "redis:", "redis://", "redis://h:0", "redis://h:x",
                          "redis://h:", "redis://h:70000", "redis://h/db", "redis://h/",
                          "http://h:6379", "rediss://h:6379", "redis://::1:6379", "redis://:pw@"}) {
    EXPECT_FALSE(validate_store(bad)) << '"' << bad << '"';
  }
}

TEST(validate_telemetry, accepts_the_three_forms) {
  EXPECT_TRUE(validate_telemetry("stdout"));
  EXPECT_TRUE(validate_telemetry("none"));
  EXPECT_TRUE(validate_telemetry("file:/var/log/sse.jsonl"));
  EXPECT_TRUE(validate_telemetry("file:relative.jsonl"));
  for (const char* bad : {"", "file:", "stderr", "file", "STDOUT", "jsonl"}) {
    EXPECT_FALSE(validate_telemetry(bad)) << '"' << bad << '"';
  }
}

TEST(validate_log_level, accepts_exactly_the_documented_levels) {
  for (const char* good : {"trace", "debug", "info", "warn", "error", "off"}) {
    EXPECT_TRUE(validate_log_level(good)) << good;
  }
  for (const char* bad : {"", "INFO", "warning", "verbose", "critical", "err"}) {
    EXPECT_FALSE(validate_log_level(bad)) << '"' << bad << '"';
  }
}

TEST(parse_bool, accepts_common_spellings_in_any_case) {
  for (const char* t : {"1", "true", "TRUE", "yes", "Yes", "on"}) {
    EXPECT_TRUE(parse_bool(t).value()) << t;
  }
  for (const char* f : {"0", "false", "no", "NO", "off"}) {
    EXPECT_FALSE(parse_bool(f).value()) << f;
  }
  for (const char* bad : {"", "2", "maybe", "y", "t"}) {
    EXPECT_FALSE(parse_bool(bad)) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace sse::config
