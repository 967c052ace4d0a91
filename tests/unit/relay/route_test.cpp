// Relay route files: JSON in, routes out; env expansion; clear errors without secrets.

#include "relay/route.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sse::relay {
namespace {

using std::chrono::milliseconds;

env_lookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TEST(relay_route, full_route) {
  auto r = parse_routes(R"({"routes":[{
      "name":"chat","url":"https://api.example.com/v1/chat/completions","method":"POST",
      "headers":{"Authorization":"Bearer ${KEY}","X-Org":"org-${ORG}-x"},
      "connect_timeout":"5s","idle_timeout":"30s","total_timeout":"2m","max_concurrent":3,
      "stream":{"buffer_limit":4096,"ttl_seconds":3600},
      "priorities":{"message":1,"usage":3,"ping":"drop"},"default_priority":2}]})",
                        env_of({{"KEY", "sk-secret-123"}, {"ORG", "acme"}}));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.routes.size(), 1u);
  const route& c = r.routes[0];
  EXPECT_EQ(c.name, "chat");
  EXPECT_TRUE(c.url.tls);
  EXPECT_EQ(c.url.host, "api.example.com");
  EXPECT_EQ(c.url.port, 443);
  EXPECT_EQ(c.url.target, "/v1/chat/completions");
  EXPECT_EQ(c.method, "POST");
  ASSERT_EQ(c.headers.size(), 2u);
  EXPECT_EQ(c.headers[0].first, "Authorization");
  EXPECT_EQ(c.headers[0].second, "Bearer sk-secret-123");
  EXPECT_EQ(c.headers[1].second, "org-acme-x");
  EXPECT_EQ(c.connect_timeout, milliseconds(5000));
  EXPECT_EQ(c.idle_timeout, milliseconds(30000));
  EXPECT_EQ(c.total_timeout, milliseconds(120000));
  EXPECT_EQ(c.max_concurrent, 3u);
  EXPECT_EQ(c.buffer_limit, 4096u);
  EXPECT_EQ(c.ttl, milliseconds(3600000));
  EXPECT_EQ(c.priority_of("message"), 1);
  EXPECT_EQ(c.priority_of("usage"), 3);
  EXPECT_EQ(c.priority_of("ping"), std::nullopt);
  EXPECT_EQ(c.priority_of("other"), 2);
  EXPECT_EQ(c.priority_of(""), 2);
}

TEST(relay_route, defaults) {
  auto r = parse_routes(R"({"routes":[{"name":"a","url":"http://127.0.0.1:8081"}]})", env_of({}));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const route& a = r.routes.at(0);
  EXPECT_FALSE(a.url.tls);
  EXPECT_EQ(a.url.port, 8081);
  EXPECT_EQ(a.url.target, "/");
  EXPECT_EQ(a.method, "POST");
  EXPECT_TRUE(a.headers.empty());
  EXPECT_FALSE(a.buffer_limit);
  EXPECT_FALSE(a.ttl);
  EXPECT_EQ(a.priority_of("x"), 1);
}

TEST(relay_route, urls) {
  auto u = parse_upstream_url("http://[::1]:9000/p?q=1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
  EXPECT_EQ(u->target, "/p?q=1");
  u = parse_upstream_url("https://h?x=y");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/?x=y");
  EXPECT_EQ(u->port, 443);
  for (const char* bad :
       {"ftp://h/", "http://", "http://h:0/", "http://h:65536/", "http://h:/", "http://user:pw@h/",
        "http://h/a b", "http://h/#frag", "h:80/x", "http://[::1/"}) {
    EXPECT_FALSE(parse_upstream_url(bad)) << bad;
  }
}

TEST(relay_route, missing_variable_is_an_error_naming_it_not_any_value) {
  auto r = parse_routes(
      R"({"routes":[{"name":"a","url":"http://h/","headers":{"Authorization":"Bearer ${NOPE}","X":"${SET}"}}]})",
      env_of({{"SET", "topsecret"}}));
  EXPECT_TRUE(r.routes.empty());
  EXPECT_NE(r.error.find("NOPE"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("routes[0]"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("topsecret"), std::string::npos) << r.error;
}

TEST(relay_route, bad_files_are_refused_with_a_reason) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "JSON"},
      {R"({"routes":{}})", "routes"},
      {R"({"routes":[{"url":"http://h/"}]})", "name"},
      {R"({"routes":[{"name":"a/b","url":"http://h/"}]})", "name"},
      {R"({"routes":[{"name":"a","url":"gopher://h/"}]})", "url"},
      {R"({"routes":[{"name":"a","url":"http://h/","method":"PO ST"}]})", "method"},
      {R"({"routes":[{"name":"a","url":"http://h/","headers":{"Bad Name":"v"}}]})", "header"},
      {R"({"routes":[{"name":"a","url":"http://h/","headers":{"X":"${A"}}]})", "unterminated"},
      {R"({"routes":[{"name":"a","url":"http://h/","idle_timeout":"0s"}]})", "idle_timeout"},
      {R"({"routes":[{"name":"a","url":"http://h/","connect_timeout":5}]})", "connect_timeout"},
      {R"({"routes":[{"name":"a","url":"http://h/","max_concurrent":0}]})", "max_concurrent"},
      {R"({"routes":[{"name":"a","url":"http://h/","stream":{"buffer_limit":-1}}]})",
       "buffer_limit"},
      {R"({"routes":[{"name":"a","url":"http://h/","stream":{"size":1}}]})", "stream.size"},
      {R"({"routes":[{"name":"a","url":"http://h/","priorities":{"x":4}}]})", "priorities.x"},
      {R"({"routes":[{"name":"a","url":"http://h/","priorities":{"x":"keep"}}]})", "priorities.x"},
      {R"({"routes":[{"name":"a","url":"http://h/","urll":"x"}]})", "urll"},
      {R"({"routes":[{"name":"a","url":"http://h/"},{"name":"a","url":"http://h/"}]})",
       "duplicate"},
  };
  for (const auto& [text, says] : cases) {
    auto r = parse_routes(text, env_of({}));
    EXPECT_TRUE(r.routes.empty()) << text;
    EXPECT_NE(r.error.find(says), std::string::npos) << text << " -> " << r.error;
  }
}

TEST(relay_route, header_values_cannot_smuggle_lines) {
  auto r = parse_routes(R"({"routes":[{"name":"a","url":"http://h/","headers":{"X":"${V}"}}]})",
                        env_of({{"V", "ok\r\nEvil: 1"}}));
  EXPECT_TRUE(r.routes.empty());
  EXPECT_NE(r.error.find("CR"), std::string::npos) << r.error;
}

TEST(relay_route, stream_options_over_the_server_caps_are_refused_naming_route_and_cap) {
  auto r = parse_routes(R"({"routes":[
      {"name":"ok","url":"http://h/","stream":{"buffer_limit":100,"ttl_seconds":3600}},
      {"name":"big","url":"http://h/","stream":{"buffer_limit":1000000}},
      {"name":"long","url":"http://h/","stream":{"ttl_seconds":7200000}}]})",
                        env_of({}));
  ASSERT_TRUE(r.error.empty()) << r.error;
  const std::vector<route> ok(r.routes.begin(), r.routes.begin() + 1);
  EXPECT_EQ(check_stream_caps(ok, 100, std::chrono::hours(1)), "");
  EXPECT_EQ(check_stream_caps(ok, 99, std::chrono::hours(1)),
            "route \"ok\": stream.buffer_limit 100 is over --max-buffer-limit 99");
  EXPECT_EQ(check_stream_caps(r.routes, 65536, std::chrono::hours(24 * 7)),
            "route \"big\": stream.buffer_limit 1000000 is over --max-buffer-limit 65536");
  const std::vector<route> long_ttl(r.routes.begin() + 2, r.routes.end());
  EXPECT_EQ(check_stream_caps(long_ttl, 65536, std::chrono::hours(24 * 7)),
            "route \"long\": stream.ttl_seconds 7200000 is over --max-ttl 168h (604800 seconds)");
}

// One spelling per option everywhere: a route's stream options are PUT /v1/streams/{id}'s
// (buffer_limit, ttl_seconds). The old "ttl" is refused, naming the new spelling; so is a
// misspelled key or a duration string where seconds are due.
TEST(relay_route, stream_options_take_the_api_spellings_and_refuse_the_old_ttl) {
  auto old = parse_routes(R"({"routes":[{"name":"a","url":"http://h/","stream":{"ttl":"1h"}}]})",
                          env_of({}));
  EXPECT_TRUE(old.routes.empty());
  EXPECT_NE(old.error.find("stream.ttl is now stream.ttl_seconds"), std::string::npos) << old.error;
  auto typo = parse_routes(
      R"({"routes":[{"name":"a","url":"http://h/","stream":{"buffer_limt":5}}]})", env_of({}));
  EXPECT_TRUE(typo.routes.empty());
  EXPECT_NE(typo.error.find("unknown key stream.buffer_limt"), std::string::npos) << typo.error;
  auto text = parse_routes(
      R"({"routes":[{"name":"a","url":"http://h/","stream":{"ttl_seconds":"1h"}}]})", env_of({}));
  EXPECT_TRUE(text.routes.empty());
  EXPECT_NE(text.error.find("stream.ttl_seconds must be an integer"), std::string::npos)
      << text.error;
  auto ok = parse_routes(
      R"({"routes":[{"name":"a","url":"http://h/","stream":{"ttl_seconds":90}}]})", env_of({}));
  ASSERT_TRUE(ok.error.empty()) << ok.error;
  EXPECT_EQ(ok.routes.at(0).ttl, milliseconds(90000));
}

TEST(relay_route, load_routes_names_the_file) {
  auto r = load_routes("/nonexistent/routes.json");
  EXPECT_NE(r.error.find("/nonexistent/routes.json"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace sse::relay

// Auto-checkpoints: the route's "checkpoint" object, strict, and the accumulator.
namespace sse::relay {
namespace {

std::string with_checkpoint(const std::string& checkpoint) {
  return R"({"routes":[{"name":"chat","url":"http://127.0.0.1:9/x","checkpoint":)" + checkpoint +
         "}]}";
}

TEST(relay_route_checkpoint, parses_every_option) {
  auto r =
      parse_routes(with_checkpoint(R"({"text_pointer":"/choices/0/delta/content",)"
                                   R"("every_events":200,"every_bytes":16384,"event":"snap"})"),
                   env_of({}));
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_TRUE(r.routes[0].checkpoint.has_value());
  const auto& c = *r.routes[0].checkpoint;
  EXPECT_EQ(c.text_pointer, "/choices/0/delta/content");
  EXPECT_EQ(c.every_events, 200u);
  EXPECT_EQ(c.every_bytes, 16384u);
  EXPECT_EQ(c.event, "snap");
  r = parse_routes(with_checkpoint(R"({"text_pointer":"/t","every_bytes":10})"), env_of({}));
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.routes[0].checkpoint->event, "snapshot");
  EXPECT_EQ(r.routes[0].checkpoint->every_events, 0u);
}

TEST(relay_route_checkpoint, refuses_what_it_does_not_know) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("yes")", "checkpoint must be an object"},
      {R"({"text_pointer":"/t","every_events":5,"every":1})", "unknown key checkpoint.every"},
      {R"({"every_events":5})", "checkpoint.text_pointer"},
      {R"({"text_pointer":"choices","every_events":5})", "checkpoint.text_pointer"},
      {R"({"text_pointer":"/a~2","every_events":5})", "checkpoint.text_pointer"},
      {R"({"text_pointer":"/t"})", "every_events or every_bytes"},
      {R"({"text_pointer":"/t","every_events":0})", "checkpoint.every_events"},
      {R"({"text_pointer":"/t","every_bytes":"16k"})", "checkpoint.every_bytes"},
      {R"({"text_pointer":"/t","every_events":5,"event":"end"})", "reserved"},
      {R"({"text_pointer":"/t","every_events":5,"event":"a b"})", "checkpoint.event"},
  };
  for (const auto& [checkpoint, want] : cases) {
    auto r = parse_routes(with_checkpoint(checkpoint), env_of({}));
    EXPECT_NE(r.error.find(want), std::string::npos) << checkpoint << " -> " << r.error;
    EXPECT_NE(r.error.find("route \"chat\""), std::string::npos) << r.error;
  }
}

TEST(relay_checkpointer, accumulates_the_text_and_says_when_due) {
  checkpoint_options o{"/choices/0/delta/content", 3, 0, "snapshot"};
  checkpointer c(o);
  EXPECT_FALSE(c.pending());
  c.add(R"({"choices":[{"delta":{"content":"Hel"}}]})");
  c.add(R"({"choices":[{"delta":{}}]})");  // no text there: counts, adds nothing
  EXPECT_FALSE(c.due());
  c.add("[DONE]");  // not JSON
  EXPECT_TRUE(c.due());
  auto e = c.take(3);
  EXPECT_TRUE(e.checkpoint);
  EXPECT_EQ(e.type, "snapshot");
  EXPECT_EQ(e.data, R"({"text":"Hel","through_seq":3})");
  EXPECT_FALSE(c.due());
  EXPECT_FALSE(c.pending());
  c.add(R"({"choices":[{"delta":{"content":"lo \"x\""}}]})");
  EXPECT_TRUE(c.pending());
  EXPECT_EQ(c.take(5).data, R"({"text":"Hello \"x\"","through_seq":5})");
}

TEST(relay_checkpointer, by_bytes) {
  checkpoint_options o{"/t", 0, 20, "snapshot"};
  checkpointer c(o);
  c.add(R"({"t":"aaaaa"})");  // 13 bytes
  EXPECT_FALSE(c.due());
  c.add(R"({"t":"bbbbb"})");  // 26
  EXPECT_TRUE(c.due());
}

}  // namespace
}  // namespace sse::relay
