#include "http/cors.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/text.hpp"

namespace sse::http {
namespace {

using config::cors_origins;

cors_origins parse(std::string_view text) {
  auto o = config::parse_cors_origins(text);
  EXPECT_TRUE(o) << text;
  return o ? *o : cors_origins{};
}

/// How many fields named `name` (any case) the response carries: browsers refuse an
/// Access-Control-Allow-Origin sent twice, so presence is not enough.
std::size_t count(const response& r, std::string_view name) {
  return static_cast<std::size_t>(std::count_if(
      r.headers.begin(), r.headers.end(), [&](auto& h) { return core::iequals(h.first, name); }));
}

/// The value of the one field named `name`; nullopt when absent, and a test failure when the
/// field appears more than once.
std::optional<std::string> one(const response& r, std::string_view name) {
  EXPECT_LE(count(r, name), 1u) << name << " appears more than once";
  for (const auto& [n, v] : r.headers) {
    if (core::iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

request from(std::optional<std::string> origin, method m = method::get) {
  request q;
  q.verb = m;
  q.origin = std::move(origin);
  return q;
}

request preflight(std::string origin, std::string wanted) {
  request q = from(std::move(origin), method::options);
  q.cors_request_method = std::move(wanted);
  return q;
}

/// What the OPTIONS handler answers on a route: 204 with its methods in Allow.
response options_answer(std::string allow) {
  response r;
  r.status = 204;
  r.headers.emplace_back("Allow", std::move(allow));
  return r;
}

constexpr std::array cors_fields{
    "Access-Control-Allow-Origin",  "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",       "Access-Control-Expose-Headers",
};

TEST(cors, nothing_when_off) {
  response r;
  add_cors_headers({}, from("https://app.example"), r);
  EXPECT_TRUE(r.headers.empty());
  response pre = options_answer("GET, POST, OPTIONS");
  add_cors_headers({}, preflight("https://app.example", "POST"), pre);
  EXPECT_EQ(pre.headers.size(), 1u);  // Allow only
}

TEST(cors, a_listed_origin_is_answered_with_itself_once_with_credentials) {
  const auto origins = parse("https://app.example");
  response r;
  add_cors_headers(origins, from("https://app.example"), r);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(one(r, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(one(r, "Vary"), "Origin");
  EXPECT_EQ(one(r, "Access-Control-Expose-Headers"), "Retry-After, Allow, Stream-Id");
  EXPECT_EQ(r.headers.size(), 4u);
}

TEST(cors, preflight_carries_every_field_exactly_once) {
  // The defect browsers met: the preflight answer carried Allow-Origin, Vary and
  // Expose-Headers twice, and Chromium refused it.
  const auto origins = parse("https://app.example");
  response r = options_answer("GET, POST, OPTIONS");
  add_cors_headers(origins, preflight("https://app.example", "POST"), r);
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(one(r, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(one(r, "Vary"), "Origin");
  EXPECT_EQ(one(r, "Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
  EXPECT_EQ(one(r, "Access-Control-Allow-Headers"),
            "Last-Event-ID, Content-Type, Producer-Seq, Authorization, Idempotency-Key");
  EXPECT_EQ(one(r, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(count(r, "Access-Control-Expose-Headers"), 0u);
  EXPECT_EQ(one(r, "Allow"), "GET, POST, OPTIONS");
  EXPECT_EQ(r.headers.size(), 7u);
}

TEST(cors, a_list_answers_the_matching_origin_never_the_list) {
  const auto origins = parse("https://a.example, http://localhost:3000 ,https://b.example:8443");
  for (const char* o : {"https://a.example", "http://localhost:3000", "https://b.example:8443"}) {
    SCOPED_TRACE(o);
    response r;
    add_cors_headers(origins, from(o), r);
    EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), o);
    EXPECT_EQ(one(r, "Vary"), "Origin");
  }
}

TEST(cors, an_origin_not_listed_gets_vary_only) {
  const auto origins = parse("https://a.example,https://b.example");
  for (const char* o : {"https://c.example", "https://a.example:443", "http://a.example",
                        "https://a.example.evil", "null", ""}) {
    SCOPED_TRACE(o);
    response r;
    add_cors_headers(origins, from(o), r);
    response pre = options_answer("POST, OPTIONS");
    add_cors_headers(origins, preflight(o, "POST"), pre);
    for (const auto* f : cors_fields) {
      EXPECT_EQ(count(r, f), 0u) << f;
      EXPECT_EQ(count(pre, f), 0u) << f;
    }
    // The answer depends on Origin even when it grants nothing: caches must know.
    EXPECT_EQ(one(r, "Vary"), "Origin");
    EXPECT_EQ(one(pre, "Vary"), "Origin");
  }
  response no_origin;
  add_cors_headers(origins, from(std::nullopt), no_origin);
  EXPECT_EQ(one(no_origin, "Vary"), "Origin");
  EXPECT_EQ(no_origin.headers.size(), 1u);
}

TEST(cors, origins_compare_without_case_and_are_answered_as_sent) {
  const auto origins = parse("HTTPS://App.Example");
  response r;
  add_cors_headers(origins, from("https://app.example"), r);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "https://app.example");
}

TEST(cors, wildcard_answers_star_without_credentials_or_vary) {
  const auto origins = parse("*");
  response r;
  add_cors_headers(origins, from("https://anyone.example"), r);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(count(r, "Access-Control-Allow-Credentials"), 0u);
  EXPECT_EQ(count(r, "Vary"), 0u);
  EXPECT_EQ(one(r, "Access-Control-Expose-Headers"), "Retry-After, Allow, Stream-Id");

  response pre = options_answer("GET, PUT, DELETE, OPTIONS");
  add_cors_headers(origins, preflight("null", "PUT"), pre);
  EXPECT_EQ(one(pre, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(count(pre, "Access-Control-Allow-Credentials"), 0u);
  EXPECT_EQ(one(pre, "Access-Control-Allow-Methods"), "GET, PUT, DELETE, OPTIONS");

  response none;
  add_cors_headers(origins, from(std::nullopt), none);
  EXPECT_TRUE(none.headers.empty()) << "no Origin: not a CORS request";
}

TEST(cors, null_origin_only_when_listed) {
  // Sandboxed frames, file: pages and some redirects send `Origin: null`: any site can make
  // one, so it is granted only when the operator lists it.
  response r;
  add_cors_headers(parse("https://app.example"), from("null"), r);
  EXPECT_EQ(count(r, "Access-Control-Allow-Origin"), 0u);
  response listed;
  add_cors_headers(parse("https://app.example,null"), from("null"), listed);
  EXPECT_EQ(one(listed, "Access-Control-Allow-Origin"), "null");
}

TEST(cors, a_refused_preflight_grants_nothing) {
  // 404 (no such route, or a feature that is off): the preflight fails, no grant is sent.
  const auto origins = parse("https://app.example");
  response r;
  r.status = 404;
  add_cors_headers(origins, preflight("https://app.example", "POST"), r);
  for (const auto* f : cors_fields) {
    EXPECT_EQ(count(r, f), 0u) << f;
  }
  EXPECT_EQ(one(r, "Vary"), "Origin");
}

TEST(cors, an_options_without_request_method_is_no_preflight) {
  const auto origins = parse("https://app.example");
  response r = options_answer("POST, OPTIONS");
  add_cors_headers(origins, from("https://app.example", method::options), r);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(count(r, "Access-Control-Allow-Methods"), 0u);
  EXPECT_EQ(one(r, "Access-Control-Expose-Headers"), "Retry-After, Allow, Stream-Id");
}

TEST(cors, an_existing_vary_is_extended_not_repeated) {
  const auto origins = parse("https://app.example");
  response r;
  r.headers.emplace_back("Vary", "Accept");
  add_cors_headers(origins, from("https://app.example"), r);
  EXPECT_EQ(one(r, "Vary"), "Accept, Origin");
}

TEST(cors, merge_vary_keeps_one_field_and_each_token_once) {
  response r;
  merge_vary(r.headers, "Accept-Encoding");
  EXPECT_EQ(one(r, "Vary"), "Accept-Encoding");
  merge_vary(r.headers, "Origin");
  EXPECT_EQ(one(r, "Vary"), "Accept-Encoding, Origin");
  // Listed already, in another case or among others: not again.
  merge_vary(r.headers, "origin, accept-encoding");
  EXPECT_EQ(one(r, "Vary"), "Accept-Encoding, Origin");
  // A token that only contains a listed one is a token of its own.
  merge_vary(r.headers, "Origin-Trial, Accept");
  EXPECT_EQ(one(r, "Vary"), "Accept-Encoding, Origin, Origin-Trial, Accept");
}

TEST(cors, relay_stream_id_is_readable_by_fetch) {
  // A relay POST read with fetch names its stream in Stream-Id; a browser exposes only the
  // headers listed here to the page.
  response r;
  add_cors_headers(parse("https://app.example"), from("https://app.example", method::post), r);
  const auto expose = one(r, "Access-Control-Expose-Headers");
  ASSERT_TRUE(expose);
  EXPECT_NE(expose->find("Stream-Id"), std::string::npos) << *expose;
  EXPECT_NE(expose->find("Retry-After"), std::string::npos) << *expose;
}

TEST(cors, the_durable_door_exposes_its_protocol_headers) {
  // A page reading a Durable Streams answer needs its position and state; a browser hides every
  // header that Access-Control-Expose-Headers does not name.
  request q = from("https://app.example");
  q.target = "/v1/stream/chat/1?offset=-1";
  response r;
  add_cors_headers(parse("https://app.example"), q, r);
  const auto expose = one(r, "Access-Control-Expose-Headers");
  ASSERT_TRUE(expose);
  for (const char* h : {"Stream-Next-Offset", "Stream-Up-To-Date", "Stream-Cursor", "ETag",
                        "Stream-Closed", "Location", "Producer-Epoch", "Producer-Seq",
                        "Producer-Expected-Seq", "Producer-Received-Seq"}) {
    EXPECT_NE(expose->find(h), std::string::npos) << h << " in " << *expose;
  }
  // v1 answers keep their own list.
  response v1;
  add_cors_headers(parse("https://app.example"), from("https://app.example"), v1);
  EXPECT_EQ(one(v1, "Access-Control-Expose-Headers"), "Retry-After, Allow, Stream-Id");
}

TEST(cors, a_preflight_answer_with_its_own_lists_keeps_them_once) {
  // The Durable Streams door answers its preflights with its methods and request headers even
  // with CORS off; the grant adds the origin and keeps those two fields single.
  request q = preflight("https://app.example", "POST");
  q.target = "/v1/stream/chat/1";
  response r = options_answer("GET, HEAD, POST, PUT, DELETE, OPTIONS");
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  r.headers.emplace_back("Access-Control-Allow-Headers", std::string(durable_allowed_headers));
  add_cors_headers(parse("https://app.example"), q, r);
  EXPECT_EQ(one(r, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(one(r, "Access-Control-Allow-Methods"), "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  EXPECT_EQ(one(r, "Access-Control-Allow-Headers"), durable_allowed_headers);
  EXPECT_EQ(one(r, "Access-Control-Max-Age"), "600");
  for (const char* h : {"Last-Event-ID", "If-None-Match", "Stream-Seq", "Producer-Id"}) {
    EXPECT_NE(durable_allowed_headers.find(h), std::string::npos) << h;
  }
}

}  // namespace
}  // namespace sse::http
