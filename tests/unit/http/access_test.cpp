// The per-request limits (http/access.cpp) on injected time: the append token bucket refills
// as the services' monotonic clock advances, so a test moves a manual clock instead of sleeping.
// The access log's duration (http/request_life.cpp) is read on the same clock.

#include "http/access.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "auth/limits.hpp"
#include "coro_runner.hpp"
#include "http/request_life.hpp"
#include "http/router.hpp"
#include "http/target.hpp"
#include "store/memory/memory_store.hpp"
#include "telemetry/memory_sink.hpp"

namespace sse::http {
namespace {

using namespace std::chrono_literals;

class access_limits : public ::testing::Test {
 protected:
  access_limits()
      : store_(store::store_limits{}, clock_),
        svc_(cfg_, store_, sink_, metrics_, clock_, &steady_),
        // No per-address connection cap, 1 append per second with a burst of 2, no
        // subscriber cap.
        limits_(0, 1, 2, 0) {
    svc_.limits = &limits_;
  }

  std::optional<response> append_from(const std::string& ip) {
    request req;
    req.verb = method::post;
    req.target = "/v1/streams/s1/events";
    const route_match route = match_route(split_target(req.target).path);
    return ::sse::test::run_sync(ioc_, check_limits(svc_, route, req, ip));
  }

  config::config cfg_;
  core::manual_clock clock_;
  core::manual_steady_clock steady_;
  store::memory_store store_;
  telemetry::memory_sink sink_;
  telemetry::metrics metrics_;
  services svc_;
  auth::node_limits limits_;
  boost::asio::io_context ioc_;
};

TEST_F(access_limits, the_append_bucket_refills_as_the_injected_steady_clock_advances) {
  EXPECT_FALSE(append_from("192.0.2.1"));
  EXPECT_FALSE(append_from("192.0.2.1"));  // the burst
  auto refused = append_from("192.0.2.1");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 429u);
  EXPECT_FALSE(append_from("192.0.2.2")) << "another address has its own bucket";

  steady_.advance(1s);  // one token back, at 1 per second; no real time needed
  EXPECT_FALSE(append_from("192.0.2.1"));
  refused = append_from("192.0.2.1");
  ASSERT_TRUE(refused) << "only one token came back";
  EXPECT_EQ(refused->status, 429u);
}

using access_log_clock = access_limits;

TEST_F(access_log_clock, a_requests_logged_duration_is_read_on_the_services_steady_clock) {
  cfg_.access_log = true;
  request req;
  req.verb = method::get;
  req.method_name = "GET";
  req.target = "/v1/streams/s1";
  const request_info info{"192.0.2.1", steady_.now()};  // as the connections stamp it
  steady_.advance(250ms);
  log_access(svc_, req, info, 200, 0, access_note{});
  const auto line = sink_.wait_for("SseAccess", {}, 0ms);
  ASSERT_TRUE(line);
  EXPECT_DOUBLE_EQ(line->fields.at("duration_ms").to_number<double>(), 250.0);
}

}  // namespace
}  // namespace sse::http
