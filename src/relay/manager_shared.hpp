#pragma once
// The state a relay manager shares with its calls' coroutines (they outlive a request, so they
// hold it by shared_ptr), and the call itself. Private to src/relay: manager.cpp (the API,
// sweep, shutdown) and call.cpp (one upstream call recorded into its stream).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <condition_variable>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ops/context.hpp"
#include "redis/task_group.hpp"
#include "relay/manager.hpp"

namespace sse::relay {

namespace net = boost::asio;

struct manager::shared {
  ops::context& s;
  std::map<std::string, entry, std::less<>> routes;
  std::shared_ptr<net::ssl::context> tls;
  manager_options options;
  std::atomic<bool> shutting_down{false};
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<upstream_control>> running;  // by stream id
  std::condition_variable call_ended;  // notified (mutex released) after an erase from running
  // The owners of the calls' coroutines (run_relay and its lease keeper): a task group per
  // worker they run on, since a call stays on its request's worker. shutdown() joins them after
  // the calls have ended, so none is left touching the store or the lease (guarded by mutex).
  std::vector<std::pair<net::any_io_executor, redis::task_group>> tasks;
  // The sweep's timer, to wake it at shutdown (guarded by mutex; set on its executor).
  net::steady_timer* sweep_timer = nullptr;
  std::optional<net::any_io_executor> sweep_ex;
  core::steady_clock own_clock;
  const core::monotonic_clock& clock;  ///< options.clock, else own_clock

  upstream_pool pool;

  shared(ops::context& svc, std::shared_ptr<net::ssl::context> t, manager_options o)
      : s(svc),
        tls(std::move(t)),
        options(o),
        clock(o.clock != nullptr ? *o.clock : own_clock),
        pool(o.pool, &clock) {}

  /// The task group of the coroutines on `ex` (made on first use); a copy shares the group.
  /// Spawn outside the lock: a task may start at once, on this thread, and take the mutex.
  redis::task_group tasks_on(const net::any_io_executor& ex) {
    std::lock_guard lock(mutex);
    for (auto& [on, group] : tasks) {
      if (on == ex) {
        return group;
      }
    }
    return tasks.emplace_back(ex, redis::task_group(ex)).second;
  }

  void emit(std::string_view name, const std::string& id, boost::json::object fields) {
    s.sink.emit(telemetry::event{std::string(name), id, std::move(fields), 0});
  }
};

/// Appends the upstream_error event {"reason",...} and ends the stream `failed`. False when the
/// stream had already ended (a cancel, another node) or is gone: then nothing was written.
net::awaitable<bool> end_failed(ops::context& s, const std::string& id, boost::json::object detail,
                                bool append_detail = true);

/// One relayed call, on the request's worker: keeps its lease (when `leased`), calls the
/// upstream, appends each of its events to stream `id` (checkpoints as the route says), and ends
/// the stream completed, failed or cancelled; counts into `stats` and emits the SseRelay* events.
net::awaitable<void> run_relay(std::shared_ptr<manager::shared> sh, const route* r,
                               route_stats* stats, std::string id, std::string body,
                               std::string content_type, std::shared_ptr<upstream_control> ctl,
                               bool leased);

}  // namespace sse::relay
