// What the start-up line says (app/startup_summary.hpp), with literal values: no password ever.
#include "app/startup_summary.hpp"

#include <gtest/gtest.h>

namespace sse::app {
namespace {

TEST(redact_store_url, passwords_are_replaced_and_the_rest_kept) {
  EXPECT_EQ(redact_store_url("memory"), "memory");
  EXPECT_EQ(redact_store_url("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
  EXPECT_EQ(redact_store_url("redis://:pw@h:6379/2"), "redis://:***@h:6379/2");
  EXPECT_EQ(redact_store_url("redis://user:pw@h:6379"), "redis://user:***@h:6379");
  EXPECT_EQ(redact_store_url("redis://pw@h"), "redis://***@h");
  EXPECT_EQ(redact_store_url("redis://:p@ss@h:1"), "redis://:***@h:1");
  EXPECT_EQ(redact_store_url("redis-cluster://:pw@a:7000,b:7001"),
            "redis-cluster://:***@a:7000,b:7001");
  EXPECT_EQ(redact_store_url("redis-sentinel://u:pw@s1:26379,s2:26379/mymaster/1"),
            "redis-sentinel://u:***@s1:26379,s2:26379/mymaster/1");
}

TEST(describe_access, modes_and_token_sources) {
  config::config c;
  c.auth = "none";
  EXPECT_EQ(describe_access(c), "OFF (--auth none)");
  c.auth = "";
  EXPECT_EQ(describe_access(c), "off (--demo on loopback)");
  c.auth = "jwt";
  c.auth_public_key_file = "/k.pem";
  c.auth_audience = "gw";
  EXPECT_EQ(describe_access(c),
            "jwt (RS256/ES256 public key; tokens from Authorization: Bearer, and for subscribers "
            "?token=; audience gw)");
}

TEST(describe_relay, names_or_off) {
  EXPECT_EQ(describe_relay({}), "off");
  EXPECT_EQ(describe_relay({"chat", "sum"}), "chat,sum");
}

}  // namespace
}  // namespace sse::app
