#include "http/negotiation.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>

namespace sse::http {
namespace {

TEST(accepts_event_stream, admits) {
  EXPECT_TRUE(accepts_event_stream("text/event-stream"));
  EXPECT_TRUE(accepts_event_stream("*/*"));
  EXPECT_TRUE(accepts_event_stream("text/*"));
  EXPECT_TRUE(accepts_event_stream("application/json, text/event-stream;q=0.5"));
  EXPECT_TRUE(accepts_event_stream("TEXT/EVENT-STREAM"));
  EXPECT_TRUE(accepts_event_stream("text/html, */*;q=0.1"));
}

TEST(accepts_event_stream, excludes) {
  EXPECT_FALSE(accepts_event_stream("application/json"));
  EXPECT_FALSE(accepts_event_stream("text/html, application/xml"));
  EXPECT_FALSE(accepts_event_stream("text/event-stream;q=0"));
  EXPECT_FALSE(accepts_event_stream("text/event-stream; q=0.000"));
  EXPECT_FALSE(accepts_event_stream("text/event-streams"));
}

using stream::content_coding;
constexpr std::array<content_coding, 2> zstd_gzip{content_coding::zstd, content_coding::gzip};
constexpr std::array<content_coding, 2> gzip_zstd{content_coding::gzip, content_coding::zstd};

content_coding choose(const char* accept_encoding,
                      std::span<const content_coding> offers = zstd_gzip,
                      std::optional<std::string> cache_control = std::nullopt) {
  return choose_sse_coding(
      accept_encoding ? std::optional<std::string>(accept_encoding) : std::nullopt, cache_control,
      offers);
}

TEST(choose_sse_coding, browsers_get_the_servers_first_choice) {
  // Chromium's header; the server's list order decides between equal q.
  EXPECT_EQ(choose("gzip, deflate, br, zstd"), content_coding::zstd);
  EXPECT_EQ(choose("gzip, deflate, br, zstd", gzip_zstd), content_coding::gzip);
  EXPECT_EQ(choose("gzip, deflate, br"), content_coding::gzip);  // older browsers
}

TEST(choose_sse_coding, q_values_are_honoured) {
  EXPECT_EQ(choose("zstd;q=0.5, gzip"), content_coding::gzip);
  EXPECT_EQ(choose("zstd;q=0.5, gzip;q=0.501"), content_coding::gzip);
  EXPECT_EQ(choose("zstd;q=1.0, gzip;q=1"), content_coding::zstd);
  EXPECT_EQ(choose("gzip;q=0"), content_coding::identity);
  EXPECT_EQ(choose("gzip;q=0.000, zstd;Q=0"), content_coding::identity);
  EXPECT_EQ(choose("*;q=0.1, zstd;q=0"), content_coding::gzip);  // * covers the unnamed only
  EXPECT_EQ(choose("*"), content_coding::zstd);
  EXPECT_EQ(choose("gzip;q=2, zstd;q=abc"), content_coding::identity) << "malformed q: ignored";
}

TEST(choose_sse_coding, identity_when_the_client_or_the_server_says_so) {
  EXPECT_EQ(choose(nullptr), content_coding::identity);
  EXPECT_EQ(choose(""), content_coding::identity);
  EXPECT_EQ(choose("identity"), content_coding::identity);
  EXPECT_EQ(choose("br, deflate"), content_coding::identity);
  EXPECT_EQ(choose("gzip", {}), content_coding::identity);
  EXPECT_EQ(choose("gzip", zstd_gzip, "no-transform"), content_coding::identity);
  EXPECT_EQ(choose("gzip", zstd_gzip, "max-age=0, No-Transform"), content_coding::identity);
  EXPECT_EQ(choose("gzip", zstd_gzip, "no-cache"), content_coding::gzip);
}

TEST(choose_sse_coding, names_are_case_insensitive_and_x_gzip_is_gzip) {
  EXPECT_EQ(choose("GZIP"), content_coding::gzip);
  EXPECT_EQ(choose("x-gzip"), content_coding::gzip);
  EXPECT_EQ(choose(" ZStd ; q=0.9 "), content_coding::zstd);
}

}  // namespace
}  // namespace sse::http
