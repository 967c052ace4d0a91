// HTTPS and SSE over TLS end to end: the real binary with --tls-cert/--tls-key and a
// self-signed certificate made in the test; clients over real loopback sockets.

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <csignal>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bounded_wait.hpp"
#include "metric_value.hpp"
#include "tls_fixture.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;

std::string data_of(int i) {
  return "event-" + std::to_string(i);
}

std::string epoch_of(const boost::json::object& answer) {
  return std::string(answer.at("epoch").as_string());
}

/// The result of one handshake made with a hand-set client context.
struct handshake_outcome {
  bool ok = false;
  std::string error;
  std::string version;  ///< e.g. "TLSv1.2"
  std::string cipher;
  std::string alpn;
};

/// Connects to 127.0.0.1:port and handshakes with `ctx` (bounded); no certificate check (these
/// tests look at what the server agrees to, not at who it is).
handshake_outcome handshake_with(ssl::context& ctx, std::uint16_t port) {
  handshake_outcome out;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  ssl::stream<net::ip::tcp::socket&> stream(socket, ctx);
  bool done = false;
  stream.async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  io.run_for(10s);
  if (!done) {
    out.error = "handshake timed out";
    return out;
  }
  if (ec) {
    out.error = ec.message();
    return out;
  }
  out.ok = true;
  out.version = SSL_get_version(stream.native_handle());
  out.cipher = SSL_get_cipher_name(stream.native_handle());
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &alpn, &alpn_len);
  if (alpn != nullptr) {
    out.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  }
  return out;
}

TEST_F(tls_test, https_append_and_sse_read_with_probes_and_metrics) {
  start();
  EXPECT_EQ(https().get("/readyz").status, 200);
  EXPECT_EQ(https().get("/healthz").status, 200);
  EXPECT_EQ(https().negotiated_alpn(), "http/1.1");

  const auto epoch = epoch_of(append("a", data_of(1)));
  auto sub = subscribe("a");
  ASSERT_EQ(sub->status(), 200);
  EXPECT_EQ(sub->header("Content-Type").value_or(""), "text/event-stream");
  auto first = sub->next_event(5s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, epoch + ":1");
  EXPECT_EQ(first->data, data_of(1));

  // Live events over TLS, several in one batch (a gather write of many frames).
  for (int i = 2; i <= 20; ++i) {
    append("a", data_of(i));
  }
  auto live = sub->collect(19, 10s);
  ASSERT_EQ(live.size(), 19u);
  for (int i = 2; i <= 20; ++i) {
    EXPECT_EQ(live[static_cast<std::size_t>(i - 2)].data, data_of(i));
  }

  auto ended = https().post("/v1/streams/a/end", R"({"status":"completed"})");
  ASSERT_EQ(ended.status, 200) << ended.describe();
  auto end = sub->next_event(5s);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->event, "end");
  // The response ends with its final chunk, then the TLS close (close_notify: read as EOF).
  EXPECT_TRUE(sub->wait_closed(5s)) << sub->last_error();
  EXPECT_TRUE(sub->response_done());
  EXPECT_EQ(sub->last_error(), "") << "the server should close with a TLS close_notify";

  EXPECT_GE(metric("sse_gateway_events_delivered_total"), 21);
  EXPECT_GE(metric("sse_gateway_events_appended_total"), 20);
}

TEST_F(tls_test, a_client_cut_mid_stream_resumes_with_every_missed_event_once_in_order) {
  start();
  std::string epoch;
  for (int i = 1; i <= 5; ++i) {
    epoch = epoch_of(append("r", data_of(i)));
  }
  auto sub = subscribe("r");
  auto before = sub->collect(3, 5s);
  ASSERT_EQ(before.size(), 3u);
  const std::string last_seen = before.back().id;
  ASSERT_EQ(last_seen, epoch + ":3");
  sub->close_abruptly();  // a reset in the middle of the stream (events 4 and 5 were on the way)

  for (int i = 6; i <= 12; ++i) {
    append("r", data_of(i));
  }
  auto again = subscribe("r", last_seen);
  ASSERT_EQ(again->status(), 200);
  std::thread producer([this] {
    for (int i = 13; i <= 15; ++i) {
      append("r", data_of(i));
    }
    https().post("/v1/streams/r/end", R"({"status":"completed"})");
  });
  auto events = again->collect_until([](const parsed_event& e) { return e.event == "end"; }, 10s);
  producer.join();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().event, "end");
  events.pop_back();
  ASSERT_EQ(events.size(), 12u) << "events 4..15, each once";
  for (std::size_t k = 0; k < events.size(); ++k) {
    const int i = static_cast<int>(k) + 4;
    EXPECT_EQ(events[k].id, epoch + ":" + std::to_string(i));
    EXPECT_EQ(events[k].data, data_of(i));
  }
  EXPECT_TRUE(again->wait_closed(5s)) << again->last_error();
  const auto success = gw().wait_for_telemetry("SseResumeSuccess");
  ASSERT_TRUE(success) << gw().diagnostics();
  EXPECT_EQ(success->at("replayed").as_int64(), 9);  // 4..12 were stored before the resume
}

// The plain-text refusal on the TLS port counts in sse_gateway_bytes_written_total (HTTP/1.1,
// before TLS) exactly what the client received; so does the HTTPS /metrics answer read between.
TEST_F(tls_test, the_plain_http_refusal_counts_exactly_the_bytes_the_client_received) {
  start();
  const std::string sample = R"(sse_gateway_bytes_written_total{protocol="http1"})";
  // curl's header and body sizes: the plain text the gateway wrote before encrypting it.
  const auto read = [&](double& value, double& size) {
    const std::string out =
        curl_https("/metrics", {"--http1.1", "-w", "\n%{size_header} %{size_download}"});
    const auto nl = out.rfind('\n');
    ASSERT_NE(nl, std::string::npos) << out;
    value = metric_value(out.substr(0, nl), sample).value_or(-1);
    std::istringstream sizes(out.substr(nl + 1));
    double head = 0;
    double body = 0;
    sizes >> head >> body;
    size = head + body;
  };
  double before = 0;
  double before_size = 0;
  read(before, before_size);
  ASSERT_GE(before, 0);
  http_client plain(gw().host(), gw().port());
  const std::string answer =
      plain.raw_exchange("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s);
  ASSERT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  double after = 0;
  double after_size = 0;
  read(after, after_size);
  EXPECT_EQ(after - before, before_size + static_cast<double>(answer.size()))
      << "the refusal was " << answer.size() << " bytes";
}

TEST_F(tls_test, plain_http_to_the_tls_port_is_refused_without_harming_other_clients) {
  start();
  const auto epoch = epoch_of(append("p", data_of(1)));
  auto sub = subscribe("p");
  ASSERT_TRUE(sub->next_event(5s));
  const double bad_before = metric("sse_gateway_bad_requests_total");

  http_client plain(gw().host(), gw().port());
  const std::string answer =
      plain.raw_exchange("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_NE(answer.find("tls_required"), std::string::npos) << answer;
  // An ordinary HTTP client gets the same readable answer.
  const auto res = plain.get("/readyz");
  EXPECT_EQ(res.status, 400) << res.describe();
  EXPECT_NE(res.body.find("tls_required"), std::string::npos) << res.describe();

  // Garbage that is neither HTTP nor TLS: closed too.
  auto raw = plain.raw_connect();
  raw.send(std::string("\x01\x02\x03\x04", 4));
  EXPECT_TRUE(raw.wait_closed(5s));

  // The TLS subscriber and HTTPS requests go on.
  append("p", data_of(2));
  auto next = sub->next_event(5s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, epoch + ":2");
  EXPECT_EQ(https().get("/readyz").status, 200);
  EXPECT_GE(metric("sse_gateway_bad_requests_total"), bad_before + 2);
  EXPECT_TRUE(gw().running());
}

TEST_F(tls_test, a_stalled_handshake_is_dropped_after_the_header_timeout_and_counted) {
  start({"--header-timeout", "500ms"});
  const std::string timeouts = R"(sse_gateway_limit_rejections_total{limit="request_timeout"})";
  const double before = metric(timeouts);
  http_client plain(gw().host(), gw().port());
  auto silent = plain.raw_connect();  // connects, never says anything
  auto partial = plain.raw_connect();
  // The first bytes of a TLS record header (handshake, TLS 1.0 record version), then nothing.
  ASSERT_TRUE(partial.send(std::string("\x16\x03\x01", 3)));

  // Meanwhile a real client is served.
  append("s", data_of(1));
  auto sub = subscribe("s");
  ASSERT_TRUE(sub->next_event(5s));

  EXPECT_TRUE(silent.wait_closed(5s)) << "a connection that never handshakes must be dropped";
  EXPECT_TRUE(partial.wait_closed(5s)) << "a handshake that stalls must be dropped";
  EXPECT_EQ(partial.received().find("HTTP/"), std::string::npos) << partial.received();
  EXPECT_TRUE(bounded_wait([&] { return metric(timeouts) >= before + 2; }, 5s)) << metric(timeouts);
  append("s", data_of(2));
  EXPECT_TRUE(sub->next_event(5s));
}

TEST_F(tls_test, only_tls_1_2_and_later_with_forward_secret_ciphers_and_alpn_h2_first) {
  // An RSA certificate: with it a server could pick a static-RSA suite, so the refusal below is
  // the cipher policy's doing (against an ECDSA certificate no such suite is even possible).
  use_certificate(key_kind::rsa2048);
  start();
  {
    // TLS 1.1 with an ECDHE suite that TLS 1.1 can carry: what is refused is the version, and
    // the alert says so (a refusal for lack of a shared suite would be handshake_failure).
    ssl::context old(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(old.native_handle(),
                            "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0");
    const auto r = handshake_with(old, gw().port());
    EXPECT_FALSE(r.ok) << "TLS 1.1 accepted: " << r.version << " " << r.cipher;
    EXPECT_NE(r.error.find("protocol version"), std::string::npos)
        << "refused, but not for its version: " << r.error;
  }
  {
    ssl::context v12(ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(v12.native_handle(), TLS1_2_VERSION);
    static constexpr unsigned char alpn[] = {2,   'h', '2', 8,   'h', 't',
                                             't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(v12.native_handle(), alpn, sizeof(alpn));
    const auto r = handshake_with(v12, gw().port());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.version, "TLSv1.2");
    EXPECT_TRUE(r.cipher.starts_with("ECDHE-RSA-")) << r.cipher;
    EXPECT_NE(r.cipher.find("GCM"), std::string::npos) << r.cipher;
    EXPECT_EQ(r.alpn, "h2") << "h2 is spoken (--http2 on by default)";
  }
  {
    // TLS 1.2 offering only static-RSA suites (AEAD ones among them), which this RSA
    // certificate could serve: refused because none is forward secret.
    ssl::context rsa_kx(ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(rsa_kx.native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(rsa_kx.native_handle(),
                            "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA");
    const auto r = handshake_with(rsa_kx, gw().port());
    EXPECT_FALSE(r.ok) << "a suite without forward secrecy was accepted: " << r.cipher;
  }
  {
    ssl::context v13(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(v13.native_handle(), TLS1_3_VERSION);
    const auto r = handshake_with(v13, gw().port());
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.version, "TLSv1.3");
  }
}

TEST_F(tls_test, the_certificate_and_key_can_come_from_the_environment) {
  gateway_options o;
  o.name = "tls-env";
  o.env = {{"SSE_GATEWAY_TLS_CERT", cert_file_.string()},
           {"SSE_GATEWAY_TLS_KEY", key_file_.string()}};
  start_with(std::move(o));
  EXPECT_EQ(https().get("/readyz").status, 200);
}

TEST_F(tls_test, connection_limits_answer_over_tls) {
  start({"--max-connections-per-ip", "2"});
  // Two connections (a subscribe to an unknown stream is answered 404 and kept alive).
  auto a = subscribe("l");
  auto b = subscribe("l");
  EXPECT_EQ(a->status(), 404);
  http_client third(gw().host(), gw().port(), client_tls());
  const auto res = third.get("/readyz");
  EXPECT_EQ(res.status, 429) << res.describe();
  EXPECT_EQ(res.header("Retry-After").value_or(""), "1");
}

TEST_F(tls_test, sigterm_ends_tls_sse_streams_with_the_final_comment) {
  start({"--shutdown-grace", "5s"});
  append("g", data_of(1));
  auto sub = subscribe("g");
  ASSERT_TRUE(sub->next_event(5s));
  ASSERT_TRUE(gw().process().signal(SIGTERM));
  EXPECT_TRUE(sub->wait_closed(5s)) << sub->last_error();
  EXPECT_TRUE(sub->response_done());
  bool saw_shutdown = false;
  for (const auto& c : sub->comments()) {
    saw_shutdown = saw_shutdown || c.find("server shutting down") != std::string::npos;
  }
  EXPECT_TRUE(saw_shutdown);
  const auto status = gw().process().wait_exit(10s);
  EXPECT_TRUE(tools::exited_with(status, 0))
      << (status ? tools::describe_status(*status) : "still running");
}

}  // namespace
}  // namespace sse::test
