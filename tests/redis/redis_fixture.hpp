#pragma once
// Shared pieces of the live Redis tests: one redis-server per test process (ctest runs each test
// in its own process, so each test gets a fresh server), stores built on an io_context with
// short, test-sized timings, and bounded waits.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "coro_runner.hpp"
#include "redis_server.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"

namespace sse::store::redis_test {

using namespace std::chrono_literals;

/// The process's redis-server, started on first use.
test::redis_server& shared_redis();

/// Connection settings for server with timings short enough for tests: a lost or paused
/// server is noticed within about a second.
redis::connection_config test_connection(const test::redis_server& server);

redis_store_options test_options(const test::redis_server& server);

const core::clock& test_clock();

/// A started store whose only worker is io; runs io until the store is available (throws
/// std::runtime_error when it does not become available within 10 s).
std::unique_ptr<redis_store> make_started_store(boost::asio::io_context& io,
                                                const store_limits& limits,
                                                redis_store_options options);

/// The harness's runner (tests/support/coro_runner.hpp).
using ::sse::test::run_until;

/// The harness's run_sync (tests/support/coro_runner.hpp) with the live Redis tests' default
/// bound, 15 s rather than 10 s.
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> op,
           std::chrono::milliseconds timeout = 15s) {
  return ::sse::test::run_sync(io, std::move(op), timeout);
}

}  // namespace sse::store::redis_test
