// Relay mode over real loopback sockets: the manager calls a fake upstream and
// records its SSE events into a memory store; every way the upstream can fail; cancel;
// idempotency; bounded concurrency; secrets stay out of answers and telemetry.

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "coro_runner.hpp"
#include "fake_upstream.hpp"
#include "relay/manager.hpp"
#include "relay/names.hpp"
#include "store/memory/memory_store.hpp"
#include "stream/sse_parser.hpp"
#include "telemetry/format.hpp"
#include "telemetry/memory_sink.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/names.hpp"
#include "tls_upstream.hpp"

namespace sse::relay {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using test::fake_upstream;
using test::upstream_script;

constexpr const char* secret = "sk-test-secret-0123456789";

struct recorded {
  std::string type;
  std::string data;
  int priority = 0;
};

class relay : public ::testing::Test {
 protected:
  relay() : store_(store::store_limits{}, clock_), svc_{store_, sink_, metrics_} {
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~relay() override {
    mgr_.reset();
    work_.reset();
    ioc_.stop();
    thread_.join();
  }

  void make_manager(std::uint16_t port, std::string extra = {}, std::string scheme = "http",
                    std::string extra_ca_pem = {}) {
    const std::string text = R"({"routes":[{"name":"chat","url":")" + scheme +
                             "://127.0.0.1:" + std::to_string(port) +
                             R"(/v1/chat?x=1","headers":{"Authorization":"Bearer ${KEY}"},)"
                             R"("priorities":{"delta":1,"usage":3,"ping":"drop"})" +
                             extra + "}]}";
    auto r = parse_routes(text, [](std::string_view) { return std::string(secret); });
    ASSERT_TRUE(r.error.empty()) << r.error;
    mgr_ =
        std::make_unique<manager>(svc_, std::move(r.routes), make_client_tls_context(extra_ca_pem));
  }

  template <class T>
  T run(net::awaitable<T> a) {
    return ::sse::test::run_sync_on(ioc_, std::move(a));  // thread_ runs ioc_
  }

  ops::api_result<ops::relay_started> start(std::optional<std::string> key = std::nullopt,
                                            std::string route = "chat") {
    auto id = mgr_->stream_id(route, key);
    if (!id) {
      return id.error();
    }
    return run(
        mgr_->start(std::move(route), std::move(*id), R"({"prompt":"hi"})", "application/json"));
  }

  /// The stream a call on route "chat" with Idempotency-Key `key` records into.
  static std::string rid(const std::string& key) { return "relay.chat." + key; }

  /// Waits for the stream's end and returns its status ("" on timeout).
  std::string wait_end(const std::string& id) {
    auto e = sink_.wait_for(
        telemetry::names::stream_ended, [&](const telemetry::event& ev) { return ev.stream == id; },
        10s);
    return e ? std::string(e->fields.at("status").as_string()) : std::string();
  }

  std::vector<recorded> events_of(const std::string& id) {
    auto r = run(store_.read_after(id, 0));
    EXPECT_TRUE(r) << r.error().message();
    std::vector<recorded> out;
    if (!r) {
      return out;
    }
    stream::sse_parser p;
    for (const auto& e : r->events) {
      for (auto& pe : p.feed(*e.frame)) {
        out.push_back({pe.event, pe.data, e.priority});
      }
    }
    return out;
  }

  std::string all_telemetry() const {
    std::string s;
    for (const auto& e : sink_.snapshot()) {
      s += telemetry::to_json_line(e, "n");
    }
    return s;
  }

  core::system_clock clock_;
  store::memory_store store_;
  telemetry::memory_sink sink_;
  telemetry::metrics metrics_;
  ops::context svc_;
  net::io_context ioc_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_{
      net::make_work_guard(ioc_)};
  std::thread thread_;
  std::unique_ptr<manager> mgr_;
};

TEST_F(relay, every_upstream_event_in_order_with_its_priority_then_completed) {
  fake_upstream up(upstream_script{});
  make_manager(up.port());
  auto s = start("answer-1");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->stream_id, rid("answer-1"));
  EXPECT_TRUE(s->created);
  EXPECT_EQ(wait_end(rid("answer-1")), "completed");

  auto ev = events_of(rid("answer-1"));
  ASSERT_EQ(ev.size(), 7u);  // 5 deltas, usage, end; the ping was dropped
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ev[i].type, "delta");
    EXPECT_EQ(ev[i].data, "t" + std::to_string(i));
    EXPECT_EQ(ev[i].priority, 1);
  }
  EXPECT_EQ(ev[5].type, "usage");
  EXPECT_EQ(ev[5].data, R"({"tokens":5})");
  EXPECT_EQ(ev[5].priority, 3);
  EXPECT_EQ(ev[6].type, "end");

  // The request upstream: method, target, injected header, the client's body.
  ASSERT_EQ(up.requests().size(), 1u);
  const std::string req = up.requests()[0];
  EXPECT_EQ(req.rfind("POST /v1/chat?x=1 HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_NE(req.find(std::string("Authorization: Bearer ") + secret), std::string::npos) << req;
  EXPECT_NE(req.find("Accept: text/event-stream"), std::string::npos) << req;
  EXPECT_NE(req.find("Content-Type: application/json"), std::string::npos) << req;
  EXPECT_NE(req.find(R"({"prompt":"hi"})"), std::string::npos) << req;

  auto done = sink_.wait_for(names::completed, {}, 5s);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->fields.at("route").as_string(), "chat");
  EXPECT_GE(done->fields.at("ttfb_ms").as_int64(), 0);
  EXPECT_GE(done->fields.at("duration_ms").as_int64(), done->fields.at("ttfb_ms").as_int64());
  EXPECT_EQ(sink_.count(names::started), 1u);
  EXPECT_EQ(mgr_->stats("chat")->completed.load(), 1u);
  EXPECT_EQ(mgr_->stats("chat")->events.load(), 6u);
  const std::string prom = mgr_->render_prometheus();
  EXPECT_NE(prom.find("sse_relay_calls_total{route=\"chat\",outcome=\"completed\"} 1\n"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("sse_relay_events_total{route=\"chat\"} 6\n"), std::string::npos) << prom;
  EXPECT_NE(prom.find("sse_relay_ttfb_ms_count{route=\"chat\"} 1\n"), std::string::npos) << prom;
  EXPECT_EQ(all_telemetry().find(secret), std::string::npos);
}

TEST_F(relay, one_upstream_call_per_idempotency_key) {
  upstream_script slow;
  slow.gap = 50ms;
  fake_upstream up(slow);
  make_manager(up.port());
  auto a = start("key-1");
  auto b = start("key-1");  // a retry while the first still runs
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->created);
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->stream_id, rid("key-1"));
  EXPECT_EQ(wait_end(rid("key-1")), "completed");
  auto c = start("key-1");  // a retry after the end
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->created);
  std::this_thread::sleep_for(100ms);  // a wrongly started call would have connected by now
  EXPECT_EQ(up.requests().size(), 1u);
  EXPECT_EQ(sink_.count(names::started), 1u);

  auto d = start();  // no key: a new stream, a new call
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->created);
  EXPECT_NE(d->stream_id, rid("key-1"));
  EXPECT_TRUE(d->stream_id.starts_with("relay.chat.")) << d->stream_id;
  EXPECT_EQ(wait_end(d->stream_id), "completed");
  EXPECT_EQ(up.requests().size(), 2u);
}

TEST_F(relay, error_status_ends_failed_with_status_and_redacted_body) {
  upstream_script s;
  s.what = upstream_script::mode::status;
  s.status = 401;
  s.body =
      std::string(R"({"error":"invalid key Bearer )") + secret + R"("})" + std::string(3000, 'x');
  fake_upstream up(s);
  make_manager(up.port());
  auto r = start("e1");
  ASSERT_TRUE(r);
  EXPECT_EQ(wait_end(rid("e1")), "failed");
  auto ev = events_of(rid("e1"));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].type, "upstream_error");
  auto detail = boost::json::parse(ev[0].data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "upstream_status");
  EXPECT_EQ(detail.at("upstream_status").to_number<int>(), 401);
  const std::string body(detail.at("body").as_string());
  EXPECT_NE(body.find("invalid key"), std::string::npos) << body;
  EXPECT_NE(body.find("[redacted]"), std::string::npos) << body;
  EXPECT_EQ(body.find(secret), std::string::npos) << body;
  EXPECT_LT(body.size(), 1100u);  // truncated
  auto err = sink_.wait_for(names::upstream_error, {}, 5s);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->fields.at("upstream_status").to_number<int>(), 401);
  EXPECT_EQ(all_telemetry().find(secret), std::string::npos);
}

TEST_F(relay, non_sse_answer_ends_failed) {
  upstream_script s;
  s.what = upstream_script::mode::not_sse;
  s.body = R"({"choices":[]})";
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("n1"));
  EXPECT_EQ(wait_end(rid("n1")), "failed");
  auto ev = events_of(rid("n1"));
  ASSERT_FALSE(ev.empty());
  auto detail = boost::json::parse(ev[0].data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "not_sse");
  EXPECT_EQ(detail.at("upstream_status").to_number<int>(), 200);
  EXPECT_EQ(detail.at("body").as_string(), R"({"choices":[]})");
}

TEST_F(relay, silent_upstream_times_out) {
  upstream_script s;
  s.what = upstream_script::mode::silent_after_head;
  s.silence = 1500ms;
  fake_upstream up(s);
  make_manager(up.port(), R"(,"idle_timeout":"300ms")");
  ASSERT_TRUE(start("t1"));
  EXPECT_EQ(wait_end(rid("t1")), "failed");
  auto detail = boost::json::parse(events_of(rid("t1")).at(0).data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "timeout");
}

TEST_F(relay, cut_body_fails_with_reset_after_the_tokens_that_came) {
  upstream_script s;
  s.what = upstream_script::mode::cut_after;
  s.tokens = 3;
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("c1"));
  EXPECT_EQ(wait_end(rid("c1")), "failed");
  auto ev = events_of(rid("c1"));
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[2].data, "t2");
  auto detail = boost::json::parse(ev[3].data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "reset");
}

TEST_F(relay, refused_connection_fails_with_connect) {
  std::uint16_t closed_port = 0;
  {
    fake_upstream gone(upstream_script{});
    closed_port = gone.port();
  }
  make_manager(closed_port);
  ASSERT_TRUE(start("r1"));
  EXPECT_EQ(wait_end(rid("r1")), "failed");
  auto detail = boost::json::parse(events_of(rid("r1")).at(0).data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "connect");
}

TEST_F(relay, cancel_aborts_the_upstream_and_ends_cancelled) {
  upstream_script s;
  s.tokens = 200;
  s.gap = 20ms;
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("x1"));
  // Let a few tokens through.
  for (int i = 0; i < 200 && up.tokens_written() < 3; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(up.tokens_written(), 3);
  // Tokens are recorded as they arrive, not when the upstream finishes.
  std::size_t recorded_now = 0;
  for (int i = 0; i < 200 && recorded_now < 3; ++i) {
    recorded_now = events_of(rid("x1")).size();
    if (recorded_now < 3) {
      std::this_thread::sleep_for(20ms);
    }
  }
  ASSERT_GE(recorded_now, 3u);
  EXPECT_LT(up.tokens_written(), 200);
  auto c = run(mgr_->cancel(rid("x1")));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(wait_end(rid("x1")), "cancelled");
  ASSERT_TRUE(sink_.wait_for(names::cancelled, {}, 5s));
  for (int i = 0; i < 250 && !up.reader_left(); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(up.reader_left());
  EXPECT_LT(up.tokens_written(), 200);
  EXPECT_EQ(mgr_->running(), 0u);
  // A second cancel: already ended.
  auto again = run(mgr_->cancel(rid("x1")));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().status, 409u);
  auto none = run(mgr_->cancel(rid("no-such-stream")));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().status, 404u);
}

TEST_F(relay, a_full_route_answers_429) {
  upstream_script s;
  s.tokens = 20;
  s.gap = 20ms;
  fake_upstream up(s);
  make_manager(up.port(), R"(,"max_concurrent":1)");
  ASSERT_TRUE(start("b1"));
  auto busy = start("b2");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().status, 429u);
  EXPECT_EQ(mgr_->stats("chat")->rejected_busy.load(), 1u);
  // The refused key made no stream: it can be used once the route has room.
  EXPECT_FALSE(run(store_.info(rid("b2"))));
  EXPECT_EQ(wait_end(rid("b1")), "completed");
  for (int i = 0; i < 100 && mgr_->running() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  auto later = start("b2");
  ASSERT_TRUE(later);
  EXPECT_TRUE(later->created);
  EXPECT_EQ(wait_end(rid("b2")), "completed");
}

TEST_F(relay, unknown_route_and_bad_key) {
  fake_upstream up(upstream_script{});
  make_manager(up.port());
  auto r = start(std::nullopt, "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 404u);
  auto k = start(std::string("bad key"));
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().status, 400u);
  // A dot would let a key of one route name another route's stream (relay.a.b.k).
  auto dotted = start(std::string("other.k"));
  ASSERT_FALSE(dotted);
  EXPECT_EQ(dotted.error().code, "invalid_idempotency_key");
  // start() writes only into its own route's namespace, whatever id it is handed.
  ASSERT_TRUE(run(store_.create("someone-elses", {})));
  for (const char* id : {"someone-elses", "relay.other.k", "relay.chat", "relay.chatty.k"}) {
    auto r = run(mgr_->start("chat", id, "{}", "application/json"));
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error().status, 400u) << id;
  }
  EXPECT_TRUE(up.requests().empty());
}

/// A temp folder for certificates, removed at the end.
struct pki_dir {
  std::filesystem::path path;
  pki_dir() {
    char tmpl[] = "/tmp/relay-pki-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) {
      path = tmpl;
    }
  }
  ~pki_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

TEST_F(relay, tls_upstream_verified_against_its_ca) {
  pki_dir dir;
  auto pki = test::make_test_pki(dir.path, "IP:127.0.0.1");
  ASSERT_TRUE(pki.ok) << "openssl failed; see " << dir.path;
  test::tls_upstream up(pki, 4);
  make_manager(up.port(), {}, "https", pki.ca_pem);
  ASSERT_TRUE(start("tls-1"));
  EXPECT_EQ(wait_end(rid("tls-1")), "completed");
  auto ev = events_of(rid("tls-1"));
  ASSERT_EQ(ev.size(), 5u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(ev[i].data, "s" + std::to_string(i));
  }
  EXPECT_NE(up.last_request().find(std::string("Authorization: Bearer ") + secret),
            std::string::npos);
}

TEST_F(relay, tls_upstream_with_an_unknown_ca_fails_with_tls) {
  pki_dir dir;
  auto pki = test::make_test_pki(dir.path, "IP:127.0.0.1");
  ASSERT_TRUE(pki.ok) << "openssl failed; see " << dir.path;
  test::tls_upstream up(pki, 4);
  make_manager(up.port(), {}, "https");  // the system store only
  ASSERT_TRUE(start("tls-2"));
  EXPECT_EQ(wait_end(rid("tls-2")), "failed");
  auto detail = boost::json::parse(events_of(rid("tls-2")).at(0).data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "tls");
  EXPECT_TRUE(up.last_request().empty());  // nothing, least of all the key, was sent
}

TEST_F(relay, tls_upstream_certificate_for_another_name_fails_with_tls) {
  pki_dir dir;
  auto pki = test::make_test_pki(dir.path, "DNS:wrong.example");
  ASSERT_TRUE(pki.ok) << "openssl failed; see " << dir.path;
  test::tls_upstream up(pki, 4);
  make_manager(up.port(), {}, "https", pki.ca_pem);
  ASSERT_TRUE(start("tls-3"));
  EXPECT_EQ(wait_end(rid("tls-3")), "failed");
  auto detail = boost::json::parse(events_of(rid("tls-3")).at(0).data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "tls");
  EXPECT_TRUE(up.last_request().empty());
}

TEST_F(relay, shutdown_ends_running_calls_failed_gateway_shutdown_and_refuses_new_ones) {
  upstream_script s;
  s.tokens = 300;
  s.gap = 20ms;
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("sd-1"));
  ASSERT_TRUE(start("sd-2"));
  for (int i = 0;
       i < 200 && (events_of(rid("sd-1")).size() < 2 || events_of(rid("sd-2")).size() < 2); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  // A cancelled call keeps its `cancelled` end: the shutdown does not write over it.
  ASSERT_TRUE(run(mgr_->cancel(rid("sd-2"))));
  EXPECT_EQ(mgr_->shutdown(5s), 0u);
  EXPECT_EQ(mgr_->running(), 0u);
  EXPECT_EQ(wait_end(rid("sd-1")), "failed");
  auto ev = events_of(rid("sd-1"));
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev[ev.size() - 2].type, "upstream_error");
  auto detail = boost::json::parse(ev[ev.size() - 2].data).as_object();
  EXPECT_EQ(detail.at("reason").as_string(), "gateway_shutdown");
  EXPECT_EQ(ev.back().type, "end");
  EXPECT_LT(up.tokens_written(), 300);
  auto err = sink_.wait_for(names::upstream_error, {}, 5s);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->stream, rid("sd-1"));
  EXPECT_EQ(err->fields.at("reason").as_string(), "gateway_shutdown");
  EXPECT_EQ(sink_.count(names::upstream_error), 1u);  // not for the cancelled sd-2
  EXPECT_EQ(wait_end(rid("sd-2")), "cancelled");
  // No new call once shutting down.
  auto late = start("sd-3");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().status, 503u);
  EXPECT_FALSE(run(store_.info(rid("sd-3"))));
}

TEST_F(relay, a_keep_alive_upstream_serves_sequential_calls_on_one_connection) {
  upstream_script s;
  s.tokens = 3;
  s.keep_alive = true;
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("ka-1"));
  EXPECT_EQ(wait_end(rid("ka-1")), "completed");
  for (int i = 0; i < 100 && mgr_->pool().idle() == 0; ++i) {
    std::this_thread::sleep_for(10ms);  // given back just after the end
  }
  EXPECT_EQ(mgr_->pool().idle(), 1u);
  ASSERT_TRUE(start("ka-2"));
  EXPECT_EQ(wait_end(rid("ka-2")), "completed");
  EXPECT_EQ(up.connections(), 1);
  EXPECT_EQ(up.requests().size(), 2u);
  EXPECT_EQ(events_of(rid("ka-2")).size(), 5u);  // 3 deltas, usage, end: the second answer whole
  EXPECT_EQ(mgr_->pool().opened.load(), 1u);
  EXPECT_EQ(mgr_->pool().reused.load(), 1u);
  EXPECT_EQ(mgr_->pool().stale_retries.load(), 0u);
  EXPECT_NE(
      mgr_->render_prometheus().find("sse_relay_upstream_connections_total{kind=\"reused\"} 1"),
      std::string::npos);
}

TEST_F(relay, a_pooled_connection_the_upstream_closed_is_replaced_transparently) {
  upstream_script s;
  s.tokens = 3;
  s.keep_alive = false;  // answers without `Connection: close`, then closes
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("st-1"));
  EXPECT_EQ(wait_end(rid("st-1")), "completed");
  for (int i = 0; i < 100 && mgr_->pool().idle() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(mgr_->pool().idle(), 1u);
  ASSERT_TRUE(start("st-2"));
  EXPECT_EQ(wait_end(rid("st-2")), "completed");
  auto ev = events_of(rid("st-2"));
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].data, "t0");
  EXPECT_EQ(ev.back().type, "end");
  EXPECT_EQ(up.connections(), 2);
  EXPECT_EQ(up.requests().size(), 2u);  // the dead connection got nothing
  EXPECT_EQ(mgr_->pool().reused.load(), 1u);
  EXPECT_EQ(mgr_->pool().stale_retries.load(), 1u);
  EXPECT_EQ(mgr_->pool().opened.load(), 2u);
  EXPECT_EQ(sink_.count(names::upstream_error), 0u);
}

TEST_F(relay, an_answer_with_connection_close_is_not_pooled) {
  upstream_script s;
  s.what = upstream_script::mode::status;
  s.status = 503;
  s.body = R"({"error":"busy"})";
  fake_upstream up(s);
  make_manager(up.port());
  ASSERT_TRUE(start("cc-1"));
  EXPECT_EQ(wait_end(rid("cc-1")), "failed");
  ASSERT_TRUE(start("cc-2"));
  EXPECT_EQ(wait_end(rid("cc-2")), "failed");
  EXPECT_EQ(up.connections(), 2);
  EXPECT_EQ(mgr_->pool().reused.load(), 0u);
  EXPECT_EQ(mgr_->pool().idle(), 0u);
}

TEST_F(relay, a_tls_keep_alive_upstream_is_reused_without_a_second_handshake) {
  pki_dir dir;
  auto pki = test::make_test_pki(dir.path, "IP:127.0.0.1");
  ASSERT_TRUE(pki.ok) << "openssl failed; see " << dir.path;
  test::tls_upstream up(pki, 2, /*keep_alive=*/true);
  make_manager(up.port(), {}, "https", pki.ca_pem);
  ASSERT_TRUE(start("tk-1"));
  EXPECT_EQ(wait_end(rid("tk-1")), "completed");
  for (int i = 0; i < 100 && mgr_->pool().idle() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(start("tk-2"));
  EXPECT_EQ(wait_end(rid("tk-2")), "completed");
  auto ev = events_of(rid("tk-2"));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].data, "s1");
  EXPECT_EQ(up.requests_served(), 2);
  EXPECT_EQ(up.handshakes_done(), 1);
  EXPECT_EQ(mgr_->pool().reused.load(), 1u);
}

}  // namespace
}  // namespace sse::relay
