// Relay mode end to end: the real sse-gateway with --relay-config in front of a fake
// upstream, over loopback HTTP and SSE.

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <iostream>
#include <thread>

#include "bounded_wait.hpp"
#include "fake_upstream.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"
#include "token_minter.hpp"

namespace sse::relay {
namespace {

using namespace std::chrono_literals;
using sse::test::gateway_options;
using sse::test::gateway_process;
using sse::test::http_client;
using sse::test::sse_client;
using test::fake_upstream;
using test::upstream_script;

constexpr const char* secret = "sk-gateway-test-secret-42";

class relay_gateway : public ::testing::Test {
 protected:
  /// The stream's lease key and registry entry are gone (waits a little: the release follows
  /// the end).
  static bool lease_gone(sse::test::redis_server& redis, const std::string& id) {
    for (int i = 0; i < 100; ++i) {
      if (redis.command("EXISTS", "sse:lease:{" + id + "}").integer == 0 &&
          redis.command("ZSCORE", "sse:relay-leases", id).is_nil()) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  /// Writes the route file for `up` and returns the gateway options that use it.
  /// `extra`: more members of the route object, e.g. `,"checkpoint":{...}`.
  gateway_options relay_options(const fake_upstream& up, const std::string& extra = {}) {
    const auto routes = dir_.path() / "routes.json";
    std::ofstream(routes) << R"({"routes":[{"name":"chat","url":"http://127.0.0.1:)" << up.port()
                          << R"(/v1/chat/completions","headers":{"Authorization":)"
                             R"("Bearer ${RELAY_TEST_KEY}"},"priorities":{"ping":"drop","usage":3})"
                          << extra << "}]}";
    gateway_options o;
    o.args = {"--relay-config", routes.string()};
    o.env = {{"RELAY_TEST_KEY", secret}};
    return o;
  }

  void start_gateway(const fake_upstream& up, const std::string& extra = {}) {
    gw_ = std::make_unique<gateway_process>(relay_options(up, extra));
    client_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  }

  /// The relay gateway with --auth jwt (HS256, jwt_secret).
  void start_gateway_with_auth(const fake_upstream& up) {
    const auto secret_file = dir_.path() / "jwt-secret";
    std::ofstream(secret_file) << jwt_secret << "\n";
    auto o = relay_options(up);
    o.args.insert(o.args.end(),
                  {"--auth", "jwt", "--auth-hs256-secret-file", secret_file.string()});
    gw_ = std::make_unique<gateway_process>(o);
    client_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  }

  /// A bearer header for a token with these scopes, valid for ten minutes.
  static sse::test::header_list bearer(boost::json::array subscribe, boost::json::array publish) {
    const auto exp = static_cast<std::int64_t>(std::time(nullptr)) + 600;
    const std::string t = sse::test::mint_hs256(
        boost::json::object{{"exp", exp},
                            {"sse", boost::json::object{{"subscribe", std::move(subscribe)},
                                                        {"publish", std::move(publish)}}}},
        jwt_secret);
    return {{"Authorization", "Bearer " + t}};
  }

  /// POST /v1/relay/chat asking for the SSE answer, on a fresh connection; returns everything
  /// received until the end event, the server's close, or 10 s.
  std::string post_relay_sse(const std::string& key, const sse::test::header_list& headers) {
    auto conn = client_->raw_connect();
    // Connection: close, so that a refusal (not a stream) ends the read at once.
    std::string req =
        "POST /v1/relay/chat HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        "Connection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n";
    if (!key.empty()) {
      req += "Idempotency-Key: " + key + "\r\n";
    }
    for (const auto& [name, value] : headers) {
      req += name + ": " + value + "\r\n";
    }
    EXPECT_TRUE(conn.send(req + "\r\n{}"));
    return conn.receive_until("event: end", 10s);
  }

  static constexpr const char* jwt_secret = "relay-jwt-secret-0123456789";

  /// Everything the gateway wrote: stderr, stdout, telemetry.
  std::string gateway_output() const {
    std::string all = gw_->stderr_text() + gw_->stdout_text();
    std::ifstream in(gw_->telemetry_path());
    all.append(std::istreambuf_iterator<char>(in), {});
    return all;
  }

  sse::test::temp_dir dir_{"relay-gw"};
  std::unique_ptr<gateway_process> gw_;
  std::unique_ptr<http_client> client_;
};

TEST_F(relay_gateway, client_leaves_mid_answer_and_resumes_every_token_once_in_order) {
  upstream_script s;
  s.tokens = 30;
  s.gap = 40ms;
  fake_upstream up(s);
  start_gateway(up);

  auto r = client_->post("/v1/relay/chat", R"({"messages":[]})", "application/json",
                         {{"Idempotency-Key", "conv-1-turn-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto body = r.json_object();
  EXPECT_EQ(body.at("stream").as_string(), "relay.chat.conv-1-turn-1");
  const std::string events_url(body.at("events_url").as_string());
  EXPECT_EQ(events_url, "/v1/streams/relay.chat.conv-1-turn-1/events");

  std::vector<std::string> seen;
  std::string last_id;
  {
    sse_client first(gw_->host(), gw_->port(), events_url);
    ASSERT_EQ(first.status(), 200);
    for (const auto& e : first.collect(5, 10s)) {
      seen.push_back(e.data);
      last_id = e.id;
    }
    ASSERT_EQ(seen.size(), 5u);
    first.close_abruptly();  // the browser tab went away mid-answer
  }
  // A retried POST with the same key does not call the upstream again.
  auto again = client_->post("/v1/relay/chat", R"({"messages":[]})", "application/json",
                             {{"Idempotency-Key", "conv-1-turn-1"}});
  EXPECT_EQ(again.status, 200) << again.body;
  std::this_thread::sleep_for(300ms);  // the upstream keeps going meanwhile

  sse_client second(gw_->host(), gw_->port(), events_url, last_id);
  ASSERT_EQ(second.status(), 200);
  std::string end_data;
  for (const auto& e : second.collect_until([](const auto& e) { return e.event == "end"; }, 15s)) {
    if (e.event == "end") {
      end_data = e.data;
    } else if (e.event == "delta") {
      seen.push_back(e.data);
    } else {
      EXPECT_EQ(e.event, "usage");
    }
  }
  EXPECT_NE(end_data.find("completed"), std::string::npos) << end_data;
  ASSERT_EQ(seen.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(seen[i], "t" + std::to_string(i));
  }
  EXPECT_EQ(up.requests().size(), 1u);
  const std::string req = up.requests().at(0);
  EXPECT_NE(req.find(std::string("Bearer ") + secret), std::string::npos);
  EXPECT_EQ(r.body.find(secret), std::string::npos);
  EXPECT_EQ(gateway_output().find(secret), std::string::npos);
  EXPECT_TRUE(gw_->wait_for_telemetry("SseRelayCompleted", {}, 5s));
  const std::string prom = client_->get("/metrics").body;
  EXPECT_NE(prom.find("sse_relay_calls_total{route=\"chat\",outcome=\"completed\"} 1"),
            std::string::npos)
      << prom;
}

// Auto-checkpoints: the route asks the gateway to checkpoint the text at a JSON
// pointer every 200 events; a client joining at token 3,000 of 4,000 gets one snapshot holding
// tokens 1..k, then tokens k+1..4,000 once each (and the later snapshots, each the text so
// far), then end.
TEST_F(relay_gateway, auto_checkpoints_let_a_late_joiner_start_from_the_text_so_far) {
  upstream_script s;
  s.tokens = 4000;
  s.gap = 1ms;
  s.openai = true;
  fake_upstream up(s);
  start_gateway(up,
                R"(,"checkpoint":{"text_pointer":"/choices/0/delta/content","every_events":200,)"
                R"("every_bytes":16384,"event":"snapshot"})");
  auto r = client_->post("/v1/relay/chat", R"({"messages":[]})", "application/json",
                         {{"Idempotency-Key", "late-joiner"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string events_url(r.json_object().at("events_url").as_string());
  ASSERT_TRUE(sse::test::bounded_wait([&] { return up.tokens_written() >= 3000; }, 20s));

  sse_client late(gw_->host(), gw_->port(), events_url);
  ASSERT_EQ(late.status(), 200);
  auto events = late.collect_until([](const auto& e) { return e.event == "end"; }, 30s);
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().event, "end") << events.size() << " events, no end";
  EXPECT_NE(events.back().data.find("completed"), std::string::npos);

  auto token = [](int i) { return "t" + std::to_string(i) + " "; };
  auto text_through = [&](int k) {  // tokens 0..k-1
    std::string out;
    for (int i = 0; i < k; ++i) {
      out += token(i);
    }
    return out;
  };
  std::size_t at = 0;
  if (events[at].event == "gap") {
    EXPECT_NE(events[at].data.find(R"("reason":"checkpoint")"), std::string::npos)
        << events[at].data;
    ++at;
  }
  ASSERT_LT(at, events.size());
  ASSERT_EQ(events[at].event, "snapshot") << "the first event after the gap is the checkpoint";
  const auto first = boost::json::parse(events[at].data).as_object();
  const std::string first_text(first.at("text").as_string());
  int k = 0;
  while (first_text.size() > text_through(k).size()) {
    ++k;
  }
  EXPECT_EQ(first_text, text_through(k));
  EXPECT_GE(k, 2800) << "joined near token 3,000: the checkpoint holds most of the text";
  EXPECT_EQ(k % 200, 0) << "a checkpoint every 200 events";
  // The checkpoint's id follows the event it covers through.
  const auto first_seq = std::stoull(events[at].id.substr(events[at].id.find(':') + 1));
  EXPECT_EQ(first.at("through_seq").to_number<std::uint64_t>(), first_seq - 1);

  int next = k;  // the next token expected
  int snapshots = 1;
  for (++at; at + 1 < events.size(); ++at) {
    const auto& e = events[at];
    if (e.event == "snapshot") {
      ++snapshots;
      const auto o = boost::json::parse(e.data).as_object();
      EXPECT_EQ(std::string(o.at("text").as_string()), text_through(next)) << "snapshot " << at;
      continue;
    }
    ASSERT_EQ(e.event, "") << e.data;
    if (e.data == "[DONE]") {
      continue;
    }
    const auto o = boost::json::parse(e.data).as_object();
    const std::string content(o.at("choices")
                                  .as_array()
                                  .at(0)
                                  .as_object()
                                  .at("delta")
                                  .as_object()
                                  .at("content")
                                  .as_string());
    ASSERT_EQ(content, token(next)) << "every later token once, in order";
    ++next;
  }
  EXPECT_EQ(next, 4000);
  // The last checkpoint, written at the end, holds the whole answer.
  EXPECT_GE(snapshots, 2);
}

TEST_F(relay_gateway, post_accepting_event_stream_gets_the_stream_and_its_id) {
  upstream_script s;
  s.tokens = 4;
  fake_upstream up(s);
  start_gateway(up);
  auto conn = client_->raw_connect();
  const std::string body = R"({"q":1})";
  ASSERT_TRUE(
      conn.send("POST /v1/relay/chat HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body));
  const std::string got = conn.receive_until("event: end", 10s);
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_NE(got.find("Stream-Id: relay.chat."), std::string::npos) << got;
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(got.find("data: t" + std::to_string(i) + "\n"), std::string::npos) << got;
  }
  EXPECT_EQ(got.find("event: ping"), std::string::npos) << got;  // dropped by its priority
  EXPECT_EQ(got.find(secret), std::string::npos);
}

TEST_F(relay_gateway, cancel_ends_the_stream_cancelled_and_stops_the_upstream) {
  upstream_script s;
  s.tokens = 300;
  s.gap = 20ms;
  fake_upstream up(s);
  start_gateway(up);
  auto r =
      client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "to-cancel"}});
  ASSERT_EQ(r.status, 201) << r.body;
  sse_client sub(gw_->host(), gw_->port(), "/v1/streams/relay.chat.to-cancel/events");
  ASSERT_EQ(sub.collect(3, 10s).size(), 3u);
  auto c = client_->post("/v1/streams/relay.chat.to-cancel/cancel", "", "application/json");
  ASSERT_EQ(c.status, 200) << c.body;
  auto rest = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().event, "end");
  EXPECT_NE(rest.back().data.find("cancelled"), std::string::npos) << rest.back().data;
  for (int i = 0; i < 250 && !up.reader_left(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(up.reader_left());
  EXPECT_TRUE(gw_->wait_for_telemetry("SseRelayCancelled", {}, 5s));
  EXPECT_EQ(client_->post("/v1/streams/relay.chat.to-cancel/cancel", "", "application/json").status,
            409);
}

TEST_F(relay_gateway, upstream_error_reaches_the_client_without_the_secret) {
  upstream_script s;
  s.what = upstream_script::mode::status;
  s.status = 500;
  s.body = std::string(R"({"error":"boom for Bearer )") + secret + "\"}";
  fake_upstream up(s);
  start_gateway(up);
  auto r = client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "f1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  sse_client sub(gw_->host(), gw_->port(), "/v1/streams/relay.chat.f1/events");
  auto ev = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "upstream_error");
  EXPECT_NE(ev[0].data.find("\"upstream_status\":500"), std::string::npos) << ev[0].data;
  EXPECT_NE(ev[0].data.find("boom"), std::string::npos) << ev[0].data;
  EXPECT_EQ(ev[0].data.find(secret), std::string::npos) << ev[0].data;
  EXPECT_NE(ev[1].data.find("failed"), std::string::npos);
  EXPECT_TRUE(gw_->wait_for_telemetry("SseRelayUpstreamError", {}, 5s));
  EXPECT_EQ(gateway_output().find(secret), std::string::npos);
}

// The README's reasons table: an upstream that closes the connection without answering is
// `protocol` (not `reset`, which is a body cut short).
TEST_F(relay_gateway, upstream_closing_without_an_answer_ends_failed_with_reason_protocol) {
  upstream_script s;
  s.what = upstream_script::mode::close_without_answer;
  fake_upstream up(s);
  start_gateway(up);
  auto r = client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "p1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  sse_client sub(gw_->host(), gw_->port(), "/v1/streams/relay.chat.p1/events");
  auto ev = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "upstream_error");
  EXPECT_NE(ev[0].data.find("\"reason\":\"protocol\""), std::string::npos) << ev[0].data;
  EXPECT_NE(ev[1].data.find("failed"), std::string::npos) << ev[1].data;
}

// Two gateways on one Redis: the answer is relayed by node A, the client resumes on node B,
// a retried POST on node B does not call the upstream again, and a cancel on node B stops the
// call running on node A (its next append finds the stream ended).
// What the README promises, on both stores: the first POST 201, a retry with the same key 200
// with created:false (no second upstream call), both with the stream's epoch; the cancel answer
// carries the epoch too. The route's stream options use the API's spellings (ttl_seconds).
TEST_F(relay_gateway, post_retry_and_cancel_answers_carry_the_epoch_on_both_stores) {
  for (const std::string store : {"memory", "redis"}) {
    SCOPED_TRACE(store);
    upstream_script s;
    s.tokens = 300;
    s.gap = 20ms;
    fake_upstream up(s);
    const auto routes = dir_.path() / ("routes-" + store + ".json");
    std::ofstream(routes) << R"({"routes":[{"name":"chat","url":"http://127.0.0.1:)" << up.port()
                          << R"(/v1/chat/completions",)"
                          << R"("stream":{"buffer_limit":50,"ttl_seconds":120}}]})";
    gateway_options o;
    o.args = {"--relay-config", routes.string()};
    std::unique_ptr<sse::test::redis_server> redis;
    if (store == "redis") {
      redis = std::make_unique<sse::test::redis_server>();
      o.args.insert(o.args.end(), {"--store", redis->url()});
    }
    gw_ = std::make_unique<gateway_process>(o);
    client_ = std::make_unique<http_client>(gw_->host(), gw_->port());
    ASSERT_TRUE(
        sse::test::bounded_wait([&] { return client_->get("/readyz").status == 200; }, 10s));

    const sse::test::header_list key{{"Idempotency-Key", "epoch-1"}};
    const auto first = client_->post("/v1/relay/chat", "{}", "application/json", key);
    ASSERT_EQ(first.status, 201) << first.describe();
    const auto f = first.json_object();
    EXPECT_EQ(f.at("stream").as_string(), "relay.chat.epoch-1");
    EXPECT_EQ(f.at("events_url").as_string(), "/v1/streams/relay.chat.epoch-1/events");
    EXPECT_EQ(f.at("created"), true);
    ASSERT_TRUE(f.contains("epoch")) << first.describe();
    const std::string epoch(f.at("epoch").as_string());
    EXPECT_FALSE(epoch.empty());

    // The call has reached the upstream (so that a second one would show up below).
    ASSERT_TRUE(sse::test::bounded_wait([&] { return up.requests().size() == 1; }, 10s));
    const auto retry = client_->post("/v1/relay/chat", "{}", "application/json", key);
    ASSERT_EQ(retry.status, 200) << retry.describe();
    const auto r = retry.json_object();
    EXPECT_EQ(r.at("stream").as_string(), "relay.chat.epoch-1");
    EXPECT_EQ(r.at("events_url").as_string(), "/v1/streams/relay.chat.epoch-1/events");
    EXPECT_EQ(r.at("created"), false);
    EXPECT_EQ(r.at("epoch").as_string(), epoch);
    EXPECT_EQ(retry.header("Stream-Id").value_or(""), "relay.chat.epoch-1");

    // The route's stream options reached the stream.
    const auto info = client_->get("/v1/streams/relay.chat.epoch-1");
    ASSERT_EQ(info.status, 200) << info.describe();
    EXPECT_EQ(info.json_object().at("buffer_limit"), 50);

    const auto c = client_->post("/v1/streams/relay.chat.epoch-1/cancel", "", "application/json");
    ASSERT_EQ(c.status, 200) << c.describe();
    const auto co = c.json_object();
    EXPECT_EQ(co.at("stream").as_string(), "relay.chat.epoch-1");
    EXPECT_EQ(co.at("status").as_string(), "cancelled");
    EXPECT_EQ(co.at("epoch").as_string(), epoch) << c.describe();
    ASSERT_TRUE(co.contains("last_seq")) << c.describe();
    const auto after = client_->get("/v1/streams/relay.chat.epoch-1").json_object();
    EXPECT_EQ(after.at("status").as_string(), "cancelled");
    EXPECT_EQ(after.at("last_seq"), co.at("last_seq"));
    EXPECT_EQ(up.requests().size(), 1u) << "the retry called the upstream again";
    client_.reset();
    gw_.reset();
  }
}

TEST_F(relay_gateway, resume_retry_and_cancel_on_another_node_with_redis) {
  if (!sse::test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  sse::test::redis_options ro;
  ro.name = "relay-redis";
  sse::test::redis_server redis(ro);
  upstream_script s;
  s.tokens = 40;
  s.gap = 30ms;
  fake_upstream up(s);
  auto oa = relay_options(up);
  oa.args.insert(oa.args.end(), {"--store", redis.url()});
  oa.name = "node-a";
  auto ob = oa;
  ob.name = "node-b";
  gateway_process a(oa);
  gateway_process b(ob);
  http_client ca(a.host(), a.port());
  http_client cb(b.host(), b.port());

  auto r = ca.post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "multi-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::vector<std::string> seen;
  std::string last_id;
  {
    sse_client first(a.host(), a.port(), "/v1/streams/relay.chat.multi-1/events");
    for (const auto& e : first.collect(5, 10s)) {
      seen.push_back(e.data);
      last_id = e.id;
    }
    first.close_abruptly();
  }
  ASSERT_EQ(seen.size(), 5u);
  auto retry =
      cb.post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "multi-1"}});
  EXPECT_EQ(retry.status, 200) << retry.body;

  sse_client second(b.host(), b.port(), "/v1/streams/relay.chat.multi-1/events", last_id);
  for (const auto& e : second.collect_until([](const auto& e) { return e.event == "end"; }, 15s)) {
    if (e.event == "delta") {
      seen.push_back(e.data);
    }
  }
  ASSERT_EQ(seen.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(seen[i], "t" + std::to_string(i));
  }
  EXPECT_EQ(up.requests().size(), 1u);
  // The call is over: node A gave its lease up (no key, no registry entry left behind).
  EXPECT_TRUE(lease_gone(redis, "relay.chat.multi-1"));

  // Cancel on B a call that runs on A.
  auto r2 = ca.post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "multi-2"}});
  ASSERT_EQ(r2.status, 201) << r2.body;
  sse_client sub(b.host(), b.port(), "/v1/streams/relay.chat.multi-2/events");
  ASSERT_EQ(sub.collect(2, 10s).size(), 2u);
  auto c = cb.post("/v1/streams/relay.chat.multi-2/cancel", "", "application/json");
  ASSERT_EQ(c.status, 200) << c.body;
  auto rest = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_FALSE(rest.empty());
  EXPECT_NE(rest.back().data.find("cancelled"), std::string::npos) << rest.back().data;
  for (int i = 0; i < 250 && !up.reader_left(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(up.reader_left());  // node A stopped reading the upstream
  EXPECT_TRUE(a.wait_for_telemetry("SseRelayCancelled", {}, 5s));
  EXPECT_TRUE(lease_gone(redis, "relay.chat.multi-2"));
  // Nothing of relay mode is left behind: every key still there is a stream's, with a TTL.
  auto keys = redis.command("KEYS", "sse:*");
  for (const auto& k : keys.elements) {
    EXPECT_EQ(k.str.find("lease"), std::string::npos) << k.str;
    EXPECT_GE(redis.command("PTTL", k.str).integer, 0) << k.str << " has no TTL";
  }
}

// The node running a call dies (SIGKILL): its lease expires and node B ends the stream `failed`
// (upstream_lost). A client that read part of the answer on A resumes on B and gets everything
// it missed that A had recorded, once and in order, then the reason and the end.
TEST_F(relay_gateway, owning_node_killed_lease_expiry_ends_the_stream_upstream_lost) {
  if (!sse::test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  sse::test::redis_options ro;
  ro.name = "relay-lease-redis";
  sse::test::redis_server redis(ro);
  upstream_script s;
  s.tokens = 400;
  s.gap = 25ms;
  fake_upstream up(s);
  auto oa = relay_options(up);
  oa.args.insert(oa.args.end(), {"--store", redis.url(), "--relay-lease-ttl", "1s",
                                 "--relay-lease-sweep", "200ms"});
  oa.name = "node-a";
  auto ob = oa;
  ob.name = "node-b";
  gateway_process a(oa);
  gateway_process b(ob);
  http_client ca(a.host(), a.port());
  ASSERT_TRUE(sse::test::bounded_wait([&] { return ca.get("/readyz").status == 200; }, 5s, 50ms))
      << "node A not ready (its Redis links connect in the background)";

  auto r = ca.post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "doomed"}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::vector<std::string> seen;
  std::string last_id;
  {
    sse_client first(a.host(), a.port(), "/v1/streams/relay.chat.doomed/events");
    for (const auto& e : first.collect(5, 10s)) {
      seen.push_back(e.data);
      last_id = e.id;
    }
    first.close_abruptly();
  }
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(redis.command("EXISTS", "sse:lease:{relay.chat.doomed}").integer, 1);
  // A records a few more tokens nobody has read yet: B must hand them over after the kill.
  std::uint64_t recorded = 0;
  ASSERT_TRUE(sse::test::bounded_wait(
      [&] {
        const auto info = ca.get("/v1/streams/relay.chat.doomed");
        recorded =
            info.status == 200 ? info.json_object().at("last_seq").to_number<std::uint64_t>() : 0;
        return recorded >= seen.size() + 3;
      },
      10s, 20ms))
      << "node A recorded " << recorded << " events";
  a.kill();
  const auto killed = std::chrono::steady_clock::now();

  sse_client second(b.host(), b.port(), "/v1/streams/relay.chat.doomed/events", last_id);
  ASSERT_EQ(second.status(), 200);
  std::vector<sse::test::parsed_event> rest =
      second.collect_until([](const auto& e) { return e.event == "end"; }, 20s);
  const auto waited = std::chrono::steady_clock::now() - killed;
  ASSERT_GE(rest.size(), 2u);
  EXPECT_EQ(rest.back().event, "end");
  EXPECT_NE(rest.back().data.find("failed"), std::string::npos) << rest.back().data;
  const auto& why = rest[rest.size() - 2];
  EXPECT_EQ(why.event, "upstream_error");
  EXPECT_NE(why.data.find("\"reason\":\"upstream_lost\""), std::string::npos) << why.data;
  for (std::size_t i = 0; i + 2 < rest.size(); ++i) {
    EXPECT_EQ(rest[i].event, "delta");
    seen.push_back(rest[i].data);
  }
  ASSERT_GT(seen.size(), 5u);  // what A recorded after the first client left
  for (std::size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], "t" + std::to_string(i));
  }
  EXPECT_LT(seen.size(), 400u);
  auto lost = b.wait_for_telemetry(
      "SseRelayUpstreamError",
      [](const boost::json::object& o) {
        return o.contains("reason") && o.at("reason") == "upstream_lost";
      },
      5s);
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->at("stream"), "relay.chat.doomed");
  EXPECT_TRUE(lease_gone(redis, "relay.chat.doomed"));
  std::cout << "[ relay    ] stream ended " +
                   std::to_string(
                       std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()) +
                   " ms after node A was killed (lease ttl 1000 ms, sweep 200 ms)\n";
}

// SIGTERM ends the calls running on the node `failed` (gateway_shutdown) before the
// connections close: a subscriber sees the end, and the lease is released.
TEST_F(relay_gateway, sigterm_ends_running_calls_failed_gateway_shutdown) {
  if (!sse::test::redis_server::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  sse::test::redis_options ro;
  ro.name = "relay-sigterm-redis";
  sse::test::redis_server redis(ro);
  upstream_script s;
  s.tokens = 400;
  s.gap = 25ms;
  fake_upstream up(s);
  auto o = relay_options(up);
  o.args.insert(o.args.end(), {"--store", redis.url()});
  gateway_process gw(o);
  http_client c(gw.host(), gw.port());
  for (int i = 0; i < 100 && c.get("/readyz").status != 200; ++i) {
    std::this_thread::sleep_for(50ms);  // the Redis links connect in the background
  }
  auto r = c.post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "bye"}});
  ASSERT_EQ(r.status, 201) << r.body;
  sse_client sub(gw.host(), gw.port(), "/v1/streams/relay.chat.bye/events");
  ASSERT_EQ(sub.collect(3, 10s).size(), 3u);
  EXPECT_EQ(redis.command("EXISTS", "sse:lease:{relay.chat.bye}").integer, 1);
  auto status = gw.stop();
  ASSERT_TRUE(status);
  auto rest = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_GE(rest.size(), 2u);
  EXPECT_EQ(rest.back().event, "end");
  EXPECT_NE(rest.back().data.find("failed"), std::string::npos) << rest.back().data;
  EXPECT_EQ(rest[rest.size() - 2].event, "upstream_error");
  EXPECT_NE(rest[rest.size() - 2].data.find("gateway_shutdown"), std::string::npos);
  EXPECT_TRUE(lease_gone(redis, "relay.chat.bye"));
  for (int i = 0; i < 250 && !up.reader_left(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(up.reader_left());
}

TEST_F(relay_gateway, sigterm_with_the_memory_store_ends_the_stream_for_its_subscribers) {
  upstream_script s;
  s.tokens = 400;
  s.gap = 25ms;
  fake_upstream up(s);
  start_gateway(up);
  auto r = client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "m1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  sse_client sub(gw_->host(), gw_->port(), "/v1/streams/relay.chat.m1/events");
  ASSERT_EQ(sub.collect(3, 10s).size(), 3u);
  ASSERT_TRUE(gw_->stop());
  auto rest = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
  ASSERT_GE(rest.size(), 2u);
  EXPECT_EQ(rest.back().event, "end");
  EXPECT_NE(rest.back().data.find("failed"), std::string::npos) << rest.back().data;
  EXPECT_NE(rest[rest.size() - 2].data.find("gateway_shutdown"), std::string::npos);
}

TEST_F(relay_gateway, sequential_relays_to_a_keep_alive_upstream_share_one_connection) {
  upstream_script s;
  s.tokens = 3;
  s.keep_alive = true;
  fake_upstream up(s);
  auto o = relay_options(up);
  o.args.insert(o.args.end(), {"--threads", "1"});  // connections are pooled per worker
  gw_ = std::make_unique<gateway_process>(o);
  client_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  for (const char* key : {"turn-1", "turn-2", "turn-3"}) {
    auto r = client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", key}});
    ASSERT_EQ(r.status, 201) << r.body;
    sse_client sub(gw_->host(), gw_->port(),
                   std::string("/v1/streams/relay.chat.") + key + "/events");
    auto ev = sub.collect_until([](const auto& e) { return e.event == "end"; }, 10s);
    ASSERT_FALSE(ev.empty());
    EXPECT_NE(ev.back().data.find("completed"), std::string::npos) << ev.back().data;
    EXPECT_EQ(ev.size(), 5u);
  }
  EXPECT_EQ(up.requests().size(), 3u);
  EXPECT_EQ(up.connections(), 1);
  const std::string prom = client_->get("/metrics").body;
  EXPECT_NE(prom.find("sse_relay_upstream_connections_total{kind=\"reused\"} 2"), std::string::npos)
      << prom;
}

TEST_F(relay_gateway, unknown_route_is_404) {
  fake_upstream up(upstream_script{});
  start_gateway(up);
  EXPECT_EQ(client_->post("/v1/relay/none", "{}").status, 404);
  EXPECT_EQ(client_->get("/v1/relay/chat").status, 405);
  EXPECT_TRUE(up.requests().empty());
}

// The attack: a token that may only start calls on route "chat" names, as Idempotency-Key, a
// stream made by someone else. It must neither read that stream (replay or live) nor end it:
// relayed streams live in relay.chat.<key>, which only the relay writes.
TEST_F(relay_gateway, idempotency_key_naming_another_stream_neither_reads_nor_ends_it) {
  upstream_script s;
  s.tokens = 4;
  fake_upstream up(s);
  start_gateway_with_auth(up);
  const auto owner = bearer({"secret-1", "future-1"}, {"secret-1", "future-1"});
  const auto attacker = bearer({}, {"relay:chat"});

  for (int i = 0; i < 3; ++i) {
    auto a = client_->post("/v1/streams/secret-1/events",
                           R"({"data":"private-)" + std::to_string(i) + "\"}", "application/json",
                           owner);
    ASSERT_LT(a.status, 300) << a.describe();
  }
  ASSERT_EQ(client_->get("/v1/streams/secret-1/events", attacker).status, 403);

  // Replay and live: the owner appends while the attacker's answer is open.
  auto conn = client_->raw_connect();
  std::string req =
      "POST /v1/relay/chat HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
      "Idempotency-Key: secret-1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n";
  for (const auto& [name, value] : attacker) {
    req += name + ": " + value + "\r\n";
  }
  ASSERT_TRUE(conn.send(req + "\r\n{}"));
  std::string got = conn.receive_until("\r\n\r\n", 10s);
  auto live = client_->post("/v1/streams/secret-1/events", R"({"data":"private-live"})",
                            "application/json", owner);
  ASSERT_LT(live.status, 300) << live.describe();
  got += conn.receive_until("event: end", 10s);
  EXPECT_EQ(got.find("private-"), std::string::npos) << got;
  EXPECT_NE(got.find("Stream-Id: relay.chat.secret-1\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("data: t3\n"), std::string::npos) << got;  // its own call's answer

  auto json = client_->post("/v1/relay/chat", "{}", "application/json", [&] {
    auto h = attacker;
    h.emplace_back("Idempotency-Key", "secret-1");
    return h;
  }());
  ASSERT_LT(json.status, 300) << json.describe();
  EXPECT_EQ(json.json_object().at("stream").as_string(), "relay.chat.secret-1");

  // A key naming a stream the owner has not made yet: the relay's end must not end it.
  const std::string future = post_relay_sse("future-1", attacker);
  EXPECT_NE(future.find("event: end"), std::string::npos) << future;
  auto later =
      client_->post("/v1/streams/future-1/events", R"({"data":"mine"})", "application/json", owner);
  EXPECT_LT(later.status, 300) << later.describe();
  auto after = client_->post("/v1/streams/secret-1/events", R"({"data":"still mine"})",
                             "application/json", owner);
  EXPECT_LT(after.status, 300) << after.describe();

  sse::test::sse_request sr;
  sr.target = "/v1/streams/secret-1/events";
  sr.headers = owner;
  sse_client mine(gw_->host(), gw_->port(), sr);
  ASSERT_EQ(mine.status(), 200);
  auto events = mine.collect(5, 10s);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[3].data, "private-live");
  EXPECT_EQ(events.back().data, "still mine");
}

// Reading a relayed stream takes having created it in this very request, or subscribe scope:
// a retried POST that finds the stream there streams it only with subscribe scope on it.
TEST_F(relay_gateway, retried_sse_post_reads_the_stream_only_with_subscribe_scope) {
  upstream_script s;
  s.tokens = 4;
  fake_upstream up(s);
  start_gateway_with_auth(up);
  auto publish_only = bearer({}, {"relay:chat"});
  auto first = client_->post("/v1/relay/chat", "{}", "application/json", [&] {
    auto h = publish_only;
    h.emplace_back("Idempotency-Key", "turn-9");
    return h;
  }());
  ASSERT_EQ(first.status, 201) << first.describe();

  const std::string refused = post_relay_sse("turn-9", publish_only);
  EXPECT_EQ(refused.rfind("HTTP/1.1 403", 0), 0u) << refused;
  EXPECT_EQ(refused.find("data: t"), std::string::npos) << refused;

  const std::string allowed = post_relay_sse("turn-9", bearer({"relay.chat.*"}, {"relay:chat"}));
  EXPECT_EQ(allowed.rfind("HTTP/1.1 200", 0), 0u) << allowed;
  EXPECT_NE(allowed.find("data: t3\n"), std::string::npos) << allowed;
  EXPECT_EQ(up.requests().size(), 1u);  // the retries started nothing
}

// The scope name "relay:chat" is not a stream, and relay.* streams are written only by the
// relay: a token for the route cannot append to, end or delete a stream of that name.
TEST_F(relay_gateway, relay_scope_names_and_relay_streams_are_not_writable_streams) {
  fake_upstream up(upstream_script{});
  start_gateway_with_auth(up);
  const auto route_token = bearer({"relay:chat"}, {"relay:chat"});
  for (const char* target : {"/v1/streams/relay:chat/events", "/v1/streams/relay:chat/end"}) {
    auto r = client_->post(target, R"({"data":"x"})", "application/json", route_token);
    EXPECT_EQ(r.status, 400) << target << " " << r.describe();
  }
  for (const char* m : {"PUT", "DELETE"}) {
    auto r = client_->request(m, "/v1/streams/relay:chat", {}, route_token);
    EXPECT_EQ(r.status, 400) << m << " " << r.describe();
    EXPECT_EQ(r.json_object().at("error").as_string(), "invalid_stream_id") << m;
  }
  EXPECT_EQ(client_->get("/v1/streams/relay:chat/events", route_token).status, 400);

  // Not even a token for every stream writes a relay.* stream or uses a relay: id.
  const auto admin = bearer({"*"}, {"*"});
  auto append = client_->post("/v1/streams/relay.chat.k/events", R"({"data":"x"})",
                              "application/json", admin);
  EXPECT_EQ(append.status, 403) << append.describe();
  EXPECT_EQ(append.json_object().at("error").as_string(), "relay_stream_read_only");
  EXPECT_EQ(client_->put("/v1/streams/relay.chat.k", "{}", admin).status, 403);
  for (const char* m : {"PUT", "DELETE"}) {
    auto r = client_->request(m, "/v1/streams/relay:chat", {}, admin);
    EXPECT_EQ(r.status, 400) << m << " " << r.describe();
  }
  EXPECT_TRUE(up.requests().empty());
}

TEST_F(relay_gateway, relay_post_on_a_full_node_is_503_and_calls_nothing) {
  fake_upstream up(upstream_script{});
  auto o = relay_options(up);
  o.args.insert(o.args.end(), {"--max-streams", "1"});
  gw_ = std::make_unique<gateway_process>(o);
  client_ = std::make_unique<http_client>(gw_->host(), gw_->port());
  ASSERT_EQ(client_->put("/v1/streams/only-one", "{}").status, 201);

  auto r = client_->post("/v1/relay/chat", "{}", "application/json", {{"Idempotency-Key", "k"}});
  EXPECT_EQ(r.status, 503) << r.describe();
  EXPECT_EQ(r.headers.count("Retry-After"), 1u) << r.describe();
  EXPECT_EQ(r.header("Retry-After").value_or(""), "5");
  EXPECT_EQ(r.json_object().at("error").as_string(), "too_many_streams");
  const std::string sse_answer = post_relay_sse("", {});
  EXPECT_EQ(sse_answer.rfind("HTTP/1.1 503", 0), 0u) << sse_answer;
  EXPECT_TRUE(up.requests().empty());
}

TEST_F(relay_gateway, the_sse_answer_of_a_relay_post_is_one_of_the_streams_subscribers) {
  upstream_script s;
  s.tokens = 100;
  s.gap = 20ms;
  fake_upstream up(s);
  auto o = relay_options(up);
  o.args.insert(o.args.end(), {"--max-subscribers-per-stream", "1"});
  gw_ = std::make_unique<gateway_process>(o);
  client_ = std::make_unique<http_client>(gw_->host(), gw_->port());

  auto conn = client_->raw_connect();
  ASSERT_TRUE(conn.send(
      "POST /v1/relay/chat HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
      "Idempotency-Key: sub-1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"));
  const std::string head = conn.receive_until("data: t1\n", 10s);
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  const auto at = head.find("Stream-Id: ");
  ASSERT_NE(at, std::string::npos) << head;
  const std::string id = head.substr(at + 11, head.find("\r\n", at) - at - 11);

  // The POST's answer holds the one place: a GET and another SSE POST are refused.
  auto get = client_->get("/v1/streams/" + id + "/events", {{"Accept", "text/event-stream"}});
  EXPECT_EQ(get.status, 503) << get.describe();
  EXPECT_EQ(get.headers.count("Retry-After"), 1u) << get.describe();
  EXPECT_EQ(get.header("Retry-After").value_or(""), "5");
  const std::string second = post_relay_sse("sub-1", {});
  EXPECT_EQ(second.rfind("HTTP/1.1 503", 0), 0u) << second;
  EXPECT_NE(second.find("too_many_subscribers"), std::string::npos) << second;
  EXPECT_EQ(up.requests().size(), 1u);
}

}  // namespace
}  // namespace sse::relay
