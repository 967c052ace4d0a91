// The upstream keep-alive pool's idle timeout on an injected clock: a test advances a manual
// steady clock past the timeout instead of waiting for it. No socket is opened.

#include "relay/pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "core/clock.hpp"

namespace sse::relay {
namespace {

using namespace std::chrono_literals;

TEST(upstream_pool, an_idle_connection_is_dropped_once_the_clock_passes_its_idle_timeout) {
  boost::asio::io_context io;
  core::manual_steady_clock clock;
  upstream_pool pool(pool_limits{8, 30s}, &clock);
  const auto url = parse_upstream_url("http://upstream.test/v1/chat");
  ASSERT_TRUE(url);
  const std::string key = upstream_pool::key_of(*url);

  pool.give_back(key, std::make_unique<upstream_connection>(io.get_executor(), nullptr));
  EXPECT_EQ(pool.idle(), 1u);
  clock.advance(29s);
  auto c = pool.take(key, io.get_executor());
  ASSERT_NE(c, nullptr) << "idle 29 s of 30: still pooled";
  pool.give_back(key, std::move(c));  // idle from now on

  clock.advance(30s);
  EXPECT_EQ(pool.take(key, io.get_executor()), nullptr) << "idle 30 s: dropped";
  EXPECT_EQ(pool.idle(), 0u);
  io.poll();  // the dropped connection is closed on its executor
}

}  // namespace
}  // namespace sse::relay
