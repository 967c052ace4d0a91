#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace sse::http {
namespace {

std::optional<std::string> find(const header_list& h, std::string_view name) {
  for (const auto& [n, v] : h) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

TEST(cors, nothing_without_origin) {
  header_list h;
  add_cors_headers(h, "");
  EXPECT_TRUE(h.empty());
  response r = preflight_response("");
  EXPECT_EQ(r.status, 204u);
  EXPECT_TRUE(r.headers.empty());
}

TEST(cors, specific_origin_varies) {
  header_list h;
  add_cors_headers(h, "https://app.example");
  EXPECT_EQ(find(h, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(find(h, "Vary"), "Origin");
  EXPECT_TRUE(find(h, "Access-Control-Expose-Headers"));
}

TEST(cors, wildcard_origin_has_no_vary) {
  header_list h;
  add_cors_headers(h, "*");
  EXPECT_EQ(find(h, "Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(find(h, "Vary"));
}

TEST(cors, preflight_names_methods_and_headers) {
  response r = preflight_response("https://app.example");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(find(r.headers, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(find(r.headers, "Access-Control-Allow-Methods"), "GET, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(find(r.headers, "Access-Control-Allow-Headers"),
            "Last-Event-ID, Content-Type, Producer-Seq, Authorization, Idempotency-Key");
  EXPECT_TRUE(find(r.headers, "Access-Control-Max-Age"));
}

TEST(cors, relay_stream_id_is_readable_by_fetch) {
  // A relay POST read with fetch names its stream in Stream-Id; a browser exposes only the
  // headers listed here to the page.
  header_list h;
  add_cors_headers(h, "https://app.example");
  const auto expose = find(h, "Access-Control-Expose-Headers");
  ASSERT_TRUE(expose);
  EXPECT_NE(std::string(*expose).find("Stream-Id"), std::string::npos) << *expose;
  EXPECT_NE(std::string(*expose).find("Retry-After"), std::string::npos) << *expose;
}

}  // namespace
}  // namespace sse::http
