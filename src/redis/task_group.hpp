#pragma once
// The owner of an object's background coroutines (a link's run loop, a probe, a map check): each
// is spawned through the group and counted until it returns, so whoever stopped the object can
// wait until all of them have wound down (join). Stopping them is the object's job (its stop()
// flags and wakes them); the group only knows when they are done.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>

namespace sse::redis {

class task_group {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// Every task runs on ex.
  explicit task_group(executor_type ex);

  /// Runs task on the group's executor, counted until it returns (or throws). Any thread.
  void spawn(boost::asio::awaitable<void> task);

  /// Completes once no task of the group runs (at once when none does). Any executor. The
  /// group's state is shared with its tasks, so the group may be destroyed while they finish.
  boost::asio::awaitable<void> join();

  /// Tasks running now. Any thread.
  std::size_t running() const noexcept;

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace sse::redis
