#include "redis/task_group.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <exception>

#include "redis/run_on.hpp"
#include "redis/wake_signal.hpp"

namespace sse::redis {

namespace net = boost::asio;

struct task_group::state {
  explicit state(executor_type executor) : ex(executor), finished(executor) {}

  executor_type ex;
  std::atomic<std::size_t> running{0};
  wake_signal finished;  ///< notified whenever a task returns; on ex
};

task_group::task_group(executor_type ex) : state_(std::make_shared<state>(std::move(ex))) {}

void task_group::spawn(net::awaitable<void> task) {
  state_->running.fetch_add(1);
  // Detached, yet not an orphan: this wrapper is the group's count of the task, and join()
  // waits until it has returned. It is the mechanism every owner of background work uses.
  net::co_spawn(
      state_->ex,
      [](std::shared_ptr<state> s, net::awaitable<void> t) -> net::awaitable<void> {
        std::exception_ptr failed;
        try {
          co_await std::move(t);
        } catch (...) {
          failed = std::current_exception();
        }
        s->running.fetch_sub(1);
        s->finished.notify();
        if (failed) {
          std::rethrow_exception(failed);
        }
      }(state_, std::move(task)),
      net::detached);
}

net::awaitable<void> task_group::join() {
  auto op = [s = state_]() -> net::awaitable<bool> {
    // A deadline far away, checked again in the loop: nothing here bounds how long a task runs.
    while (!co_await s->finished.wait(s->finished.now() + std::chrono::hours(1),
                                      [&s] { return s->running.load() == 0; })) {
    }
    co_return true;
  };
  (void)co_await run_on<bool>(state_->ex, std::move(op));
}

std::size_t task_group::running() const noexcept {
  return state_->running.load();
}

}  // namespace sse::redis
