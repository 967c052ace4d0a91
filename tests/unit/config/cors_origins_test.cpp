#include "config/cors_origins.hpp"

#include <gtest/gtest.h>

namespace sse::config {
namespace {

TEST(cors_origins, empty_is_off) {
  for (const char* text : {"", " ", "\t"}) {
    auto o = parse_cors_origins(text);
    ASSERT_TRUE(o) << '"' << text << '"';
    EXPECT_FALSE(o->enabled());
  }
}

TEST(cors_origins, star_is_any_origin) {
  auto o = parse_cors_origins("*");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->any);
  EXPECT_TRUE(o->listed.empty());
  EXPECT_EQ(format_cors_origins(*o), "*");
}

TEST(cors_origins, a_list_is_trimmed_lower_cased_and_deduplicated) {
  auto o = parse_cors_origins(
      " https://App.Example ,http://127.0.0.1:8080,https://[::1]:8443,null,https://app.example");
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->any);
  const std::vector<std::string> want{"https://app.example", "http://127.0.0.1:8080",
                                      "https://[::1]:8443", "null"};
  EXPECT_EQ(o->listed, want);
  EXPECT_EQ(format_cors_origins(*o),
            "https://app.example,http://127.0.0.1:8080,https://[::1]:8443,null");
  EXPECT_EQ(parse_cors_origins(format_cors_origins(*o)).value(), *o);
}

TEST(cors_origins, what_is_not_an_origin_is_refused) {
  for (const char* text : {
           "https://app.example/",                  // a trailing slash never matches an Origin
           "https://app.example/app",               // a path
           "https://app.example?x=1",               // a query
           "https://app.example#x",                 // a fragment
           "https://user@app.example",              // user info
           "app.example",                           // no scheme
           "://app.example",                        // empty scheme
           "1http://app.example",                   // a scheme starts with a letter
           "https://",                              // no host
           "https://:8080",                         // no host
           "https://app.example:",                  // empty port
           "https://app.example:65536",             // port out of range
           "https://app.example:80a",               // not a port
           "https://[::1",                          // unclosed IPv6 bracket
           "https://[::1]x",                        // junk after the bracket
           "https://*.example",                     // no patterns
           "https://a.example,,https://b.example",  // an empty entry
           "https://a.example,",                    // a trailing comma
           "*,https://a.example",                   // * with origins: ambiguous for credentials
           "Null",                                  // only the literal `null` as browsers send it
           "https://app example",                   // a blank inside
       }) {
    EXPECT_FALSE(parse_cors_origins(text)) << text;
  }
}

}  // namespace
}  // namespace sse::config
