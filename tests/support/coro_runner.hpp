#pragma once
// The one way a test runs a coroutine to its end: every wait bounded, a timeout is a failure
// (std::runtime_error, which gtest reports as a failed test), the coroutine's own exception is
// rethrown. Header-only, so pure unit tests use it without linking the socket harness.
//
//   run_sync(io, op)         the test thread drives io (a worker owned by the test)
//   run_sync_on(io, op)      another thread already runs io: only wait for the result there
//   run_until(io, pred)      drive io until a condition holds (state reached by several ops)

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

namespace sse::test {

/// Runs io until pred() holds or `timeout` passes; returns pred(). Runs io in short slices and
/// sleeps briefly when it has nothing to do, since what pred() waits for may come from another
/// thread rather than from io.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return false;
    }
    if (io.stopped()) {
      io.restart();
    }
    const std::chrono::steady_clock::duration slice = std::chrono::milliseconds(5);
    if (io.run_one_for(std::min(deadline - now, slice)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return true;
}

/// Runs op on io, driven by this thread, to completion and returns its value (rethrows its
/// exception). Throws std::runtime_error when it has not completed within `timeout`; the
/// operation's state is shared with its completion, so a late completion is harmless.
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> op,
           std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto done = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  const bool ready = run_until(
      io, [&] { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
      timeout);
  if (!ready) {
    throw std::runtime_error("coroutine did not complete within " +
                             std::to_string(timeout.count()) + " ms");
  }
  return done.get();
}

/// Spawns op on io, which another thread runs (never drive it from here: the code under test
/// expects one thread per io_context), and waits for its value. Throws std::runtime_error when
/// it has not completed within `timeout`.
template <class T>
T run_sync_on(boost::asio::io_context& io, boost::asio::awaitable<T> op,
              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto done = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  if (done.wait_for(timeout) != std::future_status::ready) {
    throw std::runtime_error("coroutine did not complete within " +
                             std::to_string(timeout.count()) + " ms");
  }
  return done.get();
}

}  // namespace sse::test
