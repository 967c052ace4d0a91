#include "http/refusal.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

namespace sse::http {
namespace {

std::optional<std::string> header(const response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) {
      return v;
    }
  }
  return std::nullopt;
}

std::string code_of(const response& r) {
  return std::string(boost::json::parse(r.body).as_object().at("error").as_string());
}

std::string message_of(const response& r) {
  return std::string(boost::json::parse(r.body).as_object().at("message").as_string());
}

TEST(refuse, connection_limits_ask_to_retry_in_a_second) {
  const auto full = refuse(refusal::connection_limit);
  EXPECT_EQ(full.status, 503u);
  EXPECT_EQ(code_of(full), "too_many_connections");
  EXPECT_EQ(message_of(full), "connection limit reached");
  EXPECT_EQ(header(full, "Retry-After"), "1");

  const auto address = refuse(refusal::address_limit);
  EXPECT_EQ(address.status, 429u);
  EXPECT_EQ(code_of(address), address_limit_code);
  EXPECT_EQ(header(address, "Retry-After"), "1");
}

TEST(refuse, plain_http_on_the_https_port) {
  const auto r = refuse(refusal::tls_required);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(code_of(r), "tls_required");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_FALSE(header(r, "Retry-After"));
}

TEST(refuse, requests_that_could_not_be_read) {
  EXPECT_EQ(refuse(refusal::request_timeout).status, 408u);
  EXPECT_EQ(code_of(refuse(refusal::request_timeout)), "request_timeout");
  EXPECT_EQ(refuse(refusal::headers_too_large).status, 431u);
  const auto body = refuse(refusal::body_too_large, "1024");
  EXPECT_EQ(body.status, 413u);
  EXPECT_EQ(code_of(body), "too_large");
  EXPECT_NE(message_of(body).find("1024 bytes"), std::string::npos);
  const auto bad = refuse(refusal::malformed, "bad method");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(message_of(bad), "malformed HTTP request: bad method");
  const auto smuggled = refuse(refusal::bad_framing, "two Content-Length fields");
  EXPECT_EQ(smuggled.status, 400u);
  EXPECT_EQ(code_of(smuggled), "bad_request");
  EXPECT_EQ(message_of(smuggled), "two Content-Length fields");
}

TEST(refuse, every_refusal_closes_the_connection) {
  for (auto why : {refusal::connection_limit, refusal::address_limit, refusal::tls_required,
                   refusal::request_timeout, refusal::headers_too_large, refusal::body_too_large,
                   refusal::malformed, refusal::bad_framing}) {
    const auto r = refuse(why, "x");
    EXPECT_TRUE(r.close);
    EXPECT_GE(r.status, 400u);
    EXPECT_EQ(r.content_type, "application/json");
  }
}

}  // namespace
}  // namespace sse::http
