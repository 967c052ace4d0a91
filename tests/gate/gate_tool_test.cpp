// Unit tests of the load tool's pieces added for scale and for nchan: source address
// selection (and the bind itself, over real loopback sockets), the refused-connect watch, and
// the nchan payload and event translation.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstring>
#include <memory>
#include <set>

#include "common/http_client.hpp"
#include "common/process.hpp"
#include "common/source_bind.hpp"
#include "common/sse_connection.hpp"
#include "load/cost_meter.hpp"
#include "load/nchan_target.hpp"
#include "load/options.hpp"
#include "load/sequence_checker.hpp"
#include "load/source_addresses.hpp"
#include "load/target_watch.hpp"
#include "load/traffic_mix.hpp"

namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using sse::load::source_address;

// Producers started together must not tick together: each one's first batch comes at a random
// phase within the batch interval, spread over all of it.
TEST(gate_producer_phase, first_ticks_spread_over_the_whole_interval) {
  std::mt19937_64 rng(3);
  const auto interval = std::chrono::milliseconds(100);
  std::chrono::microseconds lo = std::chrono::microseconds::max();
  std::chrono::microseconds hi = std::chrono::microseconds::min();
  for (int i = 0; i < 200; ++i) {
    const auto p = sse::load::first_tick_phase(interval, rng);
    ASSERT_GE(p.count(), 0);
    ASSERT_LT(p, interval);
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  EXPECT_LT(lo, interval / 4);
  EXPECT_GT(hi, interval * 3 / 4);
  EXPECT_EQ(sse::load::first_tick_phase(std::chrono::milliseconds(0), rng).count(), 0);
}

TEST(gate_source_addresses, auto_count_is_one_per_started_ten_thousand) {
  EXPECT_EQ(sse::load::auto_source_addresses(0), 1u);
  EXPECT_EQ(sse::load::auto_source_addresses(1), 1u);
  EXPECT_EQ(sse::load::auto_source_addresses(10'000), 1u);
  EXPECT_EQ(sse::load::auto_source_addresses(10'001), 2u);
  EXPECT_EQ(sse::load::auto_source_addresses(20'004), 3u);
  EXPECT_EQ(sse::load::auto_source_addresses(50'000), 5u);
  EXPECT_EQ(sse::load::auto_source_addresses(100'000'000), sse::load::max_source_addresses);
}

TEST(gate_source_addresses, one_address_means_no_bind) {
  EXPECT_TRUE(source_address(0, 0).is_unspecified());
  EXPECT_TRUE(source_address(12345, 1).is_unspecified());
}

TEST(gate_source_addresses, clients_spread_evenly_over_127_0_0_1_to_n) {
  std::map<std::string, int> seen;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    ++seen[source_address(i, 3).to_string()];
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen["127.0.0.1"], 1000);
  EXPECT_EQ(seen["127.0.0.2"], 1000);
  EXPECT_EQ(seen["127.0.0.3"], 1000);
  EXPECT_EQ(source_address(249, 250).to_string(), "127.0.0.250");
  EXPECT_EQ(source_address(250, 250).to_string(), "127.0.0.1");
  // A count above the maximum is clamped, never past 127.0.0.250.
  EXPECT_EQ(source_address(299, 300).to_string(), "127.0.0.50");
}

TEST(gate_source_addresses, options_choose_the_count_from_the_connections) {
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "sse-live-resume");
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    sse::load::load_options o;
    bool exit_now = false;
    EXPECT_EQ(sse::load::parse_options(static_cast<int>(argv.size()), argv.data(), o, exit_now), 0);
    EXPECT_FALSE(exit_now);
    return o;
  };
  EXPECT_EQ(parse({"--target", "http://127.0.0.1:1", "--subscribers", "20000", "--producers", "4"})
                .source_addresses,
            3u);
  EXPECT_EQ(parse({"--target", "http://127.0.0.1:1", "--subscribers", "5000"}).source_addresses,
            1u);
  EXPECT_EQ(
      parse({"--target", "http://127.0.0.1:1", "--subscribers", "5000", "--source-addresses", "4"})
          .source_addresses,
      4u);
}

/// Accepts one connection on 127.0.0.1 and returns the address it came from.
std::string accepted_peer(net::io_context& ctx, net::ip::tcp::acceptor& acceptor) {
  net::ip::tcp::socket peer(ctx);
  boost::system::error_code ec;
  acceptor.accept(peer, ec);
  EXPECT_FALSE(ec) << ec.message();
  return ec ? std::string() : peer.remote_endpoint().address().to_string();
}

TEST(gate_source_bind, sse_connection_and_http_client_connect_from_the_chosen_address) {
  net::io_context ctx;
  net::ip::tcp::acceptor acceptor(ctx, {net::ip::make_address_v4("127.0.0.1"), 0});
  const net::ip::tcp::endpoint server = acceptor.local_endpoint();

  sse::tools::sse_connection conn(ctx.get_executor());
  conn.set_source(net::ip::make_address_v4("127.0.0.7"));
  // The open() waits for an answer that never comes: only its connect matters here.
  auto opened = net::co_spawn(ctx, conn.open(server, "/x", ""), net::use_future);
  ctx.run_for(200ms);
  EXPECT_EQ(accepted_peer(ctx, acceptor), "127.0.0.7");
  conn.abort();
  ctx.restart();
  ctx.run_for(200ms);
  ASSERT_EQ(opened.wait_for(1s), std::future_status::ready);
  EXPECT_FALSE(opened.get());  // aborted

  ctx.restart();
  sse::tools::http_client client(ctx.get_executor(), server);
  client.set_source(net::ip::make_address_v4("127.0.0.9"));
  auto answered = net::co_spawn(ctx, client.request("GET", "/", {}, {}, 300ms), net::use_future);
  ctx.run_for(100ms);
  EXPECT_EQ(accepted_peer(ctx, acceptor), "127.0.0.9");
  ctx.restart();
  ctx.run_for(1s);
  ASSERT_EQ(answered.wait_for(1s), std::future_status::ready);
  EXPECT_FALSE(answered.get());  // timed out: nobody answered
}

TEST(gate_source_bind, many_sockets_share_a_port_across_source_addresses) {
  // With IP_BIND_ADDRESS_NO_PORT the port is chosen at connect per 4-tuple: two sources to the
  // same server may get the same local port, which a plain bind(port 0) never allows.
  net::io_context ctx;
  net::ip::tcp::acceptor acceptor(ctx, {net::ip::make_address_v4("127.0.0.1"), 0});
  std::vector<std::unique_ptr<net::ip::tcp::socket>> clients;
  std::set<std::string> sources;
  for (int i = 0; i < 20; ++i) {
    auto s = std::make_unique<net::ip::tcp::socket>(ctx);
    const auto src = source_address(static_cast<std::uint64_t>(i), 4);
    ASSERT_FALSE(sse::tools::bind_source(*s, src));
    boost::system::error_code ec;
    s->connect(acceptor.local_endpoint(), ec);
    ASSERT_FALSE(ec) << ec.message();
    sources.insert(s->local_endpoint().address().to_string());
    EXPECT_EQ(s->local_endpoint().address(), src);
    clients.push_back(std::move(s));
  }
  EXPECT_EQ(sources.size(), 4u);
  // The unspecified address leaves the socket alone (closed, the kernel chooses at connect).
  net::ip::tcp::socket plain(ctx);
  EXPECT_FALSE(sse::tools::bind_source(plain, {}));
  EXPECT_FALSE(plain.is_open());
}

TEST(gate_target_watch, fires_after_refusals_over_the_span_with_none_accepted) {
  sse::load::target_watch w(2s, 3);
  EXPECT_FALSE(w.observe(0s, 10, 0));
  EXPECT_FALSE(w.observe(100ms, 10, 5));  // the streak starts here
  EXPECT_FALSE(w.observe(1s, 10, 50));
  EXPECT_FALSE(w.observe(2000ms, 10, 60));  // 1.9 s: not yet
  const auto m = w.observe(2100ms, 10, 70);
  ASSERT_TRUE(m);
  EXPECT_NE(m->find("70 connects refused in 2000 ms, none accepted"), std::string::npos) << *m;
}

TEST(gate_target_watch, an_accepted_connect_ends_the_streak) {
  sse::load::target_watch w(2s, 3);
  EXPECT_FALSE(w.observe(0s, 0, 5));
  EXPECT_FALSE(w.observe(1s, 1, 10));  // one accepted: alive
  EXPECT_FALSE(w.observe(2500ms, 1, 11));
  EXPECT_FALSE(w.observe(4000ms, 1, 12));
  EXPECT_TRUE(w.observe(4600ms, 1, 13));  // 2.1 s of refusals since 2.5 s
}

TEST(gate_target_watch, too_few_refusals_or_none_never_fire) {
  sse::load::target_watch w(2s, 3);
  EXPECT_FALSE(w.observe(0s, 0, 1));
  EXPECT_FALSE(w.observe(5s, 0, 2));  // only 1 more refusal than at the streak's start
  sse::load::target_watch quiet(2s, 3);
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(quiet.observe(std::chrono::seconds(i), 7, 0));
  }
}

TEST(gate_nchan_target, url_templates_place_the_channel_id) {
  auto t = sse::load::parse_url_template("http://127.0.0.1:8080/pub/{id}?x=1");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->expand("abc"), "/pub/abc?x=1");
  auto u = sse::load::parse_url_template("http://127.0.0.1:9/sub/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->expand("abc"), "/sub/abc");
  EXPECT_FALSE(sse::load::parse_url_template("http://example.com:80/pub/{id}"));
  EXPECT_FALSE(sse::load::parse_url_template("http://127.0.0.1:0/pub"));
  EXPECT_FALSE(sse::load::parse_url_template("http://127.0.0.1:70000/pub"));
  EXPECT_FALSE(sse::load::parse_url_template("http://127.0.0.1:80"));
}

sse::stream::parsed_event nchan_event(std::string id, std::string data) {
  sse::stream::parsed_event ev;
  ev.id = std::move(id);
  ev.id_set = true;
  ev.data = std::move(data);
  return ev;
}

TEST(gate_nchan_target, payload_carries_timestamp_then_seq_and_translates_for_the_checker) {
  const std::string body = sse::load::nchan_message(42, 1234567890, 20, false);
  EXPECT_EQ(body.rfind("1234567890 42 ", 0), 0u);
  EXPECT_EQ(body.size(), std::string("1234567890 42 ").size() + 20);
  auto ev = nchan_event("1764252345:3", body);
  std::string nchan_id;
  ASSERT_TRUE(sse::load::translate_nchan_event(ev, nchan_id));
  EXPECT_EQ(nchan_id, "1764252345:3");
  EXPECT_EQ(ev.id, "n:42");
  EXPECT_TRUE(ev.event.empty());
  std::uint64_t published = 0;
  ASSERT_TRUE(sse::load::read_publish_ns(ev.data, published));
  EXPECT_EQ(published, 1234567890u);

  auto end = nchan_event("1764252345:4", sse::load::nchan_message(43, 5, 0, true));
  ASSERT_TRUE(sse::load::translate_nchan_event(end, nchan_id));
  EXPECT_EQ(end.event, "end");
  EXPECT_EQ(end.id, "n:43");
  EXPECT_EQ(nchan_id, "1764252345:4");
}

TEST(gate_nchan_target, foreign_payloads_are_left_alone) {
  std::string nchan_id = "kept";
  for (const char* data : {"", "hello", "12 x filler", "12 0 seq zero", "x 5 y"}) {
    auto ev = nchan_event("1:0", data);
    EXPECT_FALSE(sse::load::translate_nchan_event(ev, nchan_id)) << data;
    EXPECT_EQ(ev.id, "1:0");
  }
  EXPECT_EQ(nchan_id, "kept");
}

TEST(gate_nchan_target, a_lost_message_is_an_unannounced_loss_and_end_ends_the_stream) {
  // nchan has no gap event: a seq missing from its stream must reach the checker as a loss.
  sse::load::sequence_checker checker;
  checker.start_stream();
  std::string nchan_id;
  auto feed = [&](std::uint64_t seq, bool end = false) {
    auto ev = nchan_event("1764252345:" + std::to_string(seq),
                          sse::load::nchan_message(seq, 1000 + seq, 4, end));
    EXPECT_TRUE(sse::load::translate_nchan_event(ev, nchan_id));
    return checker.on_event(ev);
  };
  EXPECT_TRUE(feed(1).in_order);
  EXPECT_TRUE(feed(2).in_order);
  const auto r = feed(5);
  EXPECT_EQ(r.lost, 2u);
  EXPECT_TRUE(feed(6).in_order);
  EXPECT_TRUE(feed(6).duplicate);
  EXPECT_FALSE(checker.ended());
  EXPECT_EQ(feed(7, true).what, sse::load::check_result::kind::end);
  EXPECT_TRUE(checker.ended());
  EXPECT_EQ(nchan_id, "1764252345:7");
}

TEST(gate_nchan_target, options_require_both_urls_and_no_gateway) {
  auto rc = [](std::vector<std::string> args) {
    args.insert(args.begin(), "sse-live-resume");
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    sse::load::load_options o;
    bool exit_now = false;
    const int code =
        sse::load::parse_options(static_cast<int>(argv.size()), argv.data(), o, exit_now);
    return std::pair{exit_now ? code : 0, o};
  };
  auto [ok, o] = rc({"--target-kind", "nchan", "--publish-url", "http://127.0.0.1:81/pub/{id}",
                     "--subscribe-url", "http://127.0.0.1:82/sub/{id}"});
  EXPECT_EQ(ok, 0);
  EXPECT_EQ(o.publish.port, 81);
  EXPECT_EQ(o.target_port, 82);
  EXPECT_EQ(o.subscribe.expand("c"), "/sub/c");
  EXPECT_EQ(rc({"--target-kind", "nchan", "--publish-url", "http://127.0.0.1:81/pub/{id}"}).first,
            2);
  EXPECT_EQ(rc({"--target-kind", "nchan", "--publish-url", "http://127.0.0.1:81/pub/{id}",
                "--subscribe-url", "http://127.0.0.1:82/sub/{id}", "--gateway-bin", "/bin/true"})
                .first,
            2);
}

}  // namespace

namespace {

double rusage_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// The /proc reader the gate's cost figures come from, on this test's own process:
// its CPU seconds (utime + stime in clock ticks / _SC_CLK_TCK) must agree with getrusage, and
// touching 64 MiB must show in VmRSS.
TEST(gate_proc_usage, cpu_and_rss_of_this_process_agree_with_getrusage_and_touched_memory) {
  const pid_t self = ::getpid();
  const auto before = sse::load::read_usage(self);
  ASSERT_TRUE(before);
  // Burn at least 0.3 s of CPU, bounded by 10 s of wall time.
  const double cpu_start = rusage_cpu_seconds();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  volatile std::uint64_t sink = 0;
  while (rusage_cpu_seconds() - cpu_start < 0.3 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 100000; ++i) {
      sink = sink + static_cast<std::uint64_t>(i) * 2654435761u;
    }
  }
  const auto after = sse::load::read_usage(self);
  const double rusage_now = rusage_cpu_seconds();
  ASSERT_TRUE(after);
  EXPECT_GE(after->cpu_seconds - before->cpu_seconds, 0.25);
  // /proc counts whole clock ticks (10 ms at 100 Hz): allow a few of them against getrusage.
  const double tick = 1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  EXPECT_NEAR(after->cpu_seconds, rusage_now, 5 * tick + 0.02);

  constexpr std::size_t size = 64u << 20;
  const auto rss_before = sse::load::read_usage(self)->rss_bytes;
  auto block = std::make_unique<char[]>(size);
  std::memset(block.get(), 1, size);
  const auto rss_after = sse::load::read_usage(self)->rss_bytes;
  EXPECT_GT(rss_before, 0u);
  EXPECT_GE(rss_after, rss_before + size - (4u << 20)) << "64 MiB touched";
  EXPECT_EQ(block[size - 1], 1);
}

TEST(gate_proc_usage, unknown_or_gone_processes_read_as_none) {
  EXPECT_FALSE(sse::load::read_usage(-1)) << "a process the tool did not start";
  EXPECT_FALSE(sse::load::read_usage(0));
  // A pid above the kernel's maximum (4194304) never exists.
  EXPECT_FALSE(sse::load::read_usage(99999999));
  EXPECT_FALSE(sse::tools::read_process_usage(99999999));
}

}  // namespace
