#pragma once
// --demo: a built-in producer that writes LLM-like token streams (`demo-<n>`: a few hundred
// word deltas at about 20 per second, priority-0 progress events, a priority-3 usage event, then
// the end), one after another, for the page at GET /.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "http/services.hpp"

namespace sse::app {

struct demo_options {
  std::size_t tokens_per_stream = 300;
  std::chrono::milliseconds token_interval{50};
  std::chrono::milliseconds pause_between_streams{3000};
};

class demo_producer {
 public:
  /// Runs on `worker`; s must outlive it.
  demo_producer(http::services& s, boost::asio::any_io_executor worker, demo_options opts = {});
  demo_producer(const demo_producer&) = delete;
  demo_producer& operator=(const demo_producer&) = delete;

  /// The producer's loop, to be spawned on `worker` by its owner (app::gateway's task group),
  /// which joins it after stop(). Call once.
  boost::asio::awaitable<void> run();
  /// Any thread: run() returns after the current step (the current stream is left open).
  void stop();
  /// Any thread: the stream being written now (or the last one), if any.
  std::optional<std::string> current() const;

 private:
  boost::asio::awaitable<bool> produce(const std::string& id);
  boost::asio::awaitable<bool> sleep(std::chrono::milliseconds d);

  http::services& s_;
  boost::asio::any_io_executor worker_;
  demo_options opts_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::string current_;  // guarded by mu_
};

}  // namespace sse::app
