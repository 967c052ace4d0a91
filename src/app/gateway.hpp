#pragma once
// The gateway as a library (everything built here and passed by reference, no singletons, so tests
// can build several in one process): workers, store, telemetry, hubs, the HTTP server, the expiry
// sweep and the demo. main.cpp is a thin shell around it; in-process tests build one with their own
// telemetry sink and clock.
//
//   gateway g(cfg, &sink);  g.start();  ... g.port() ...  g.stop();

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "app/store_factory.hpp"
#include "auth/authenticator.hpp"
#include "auth/limits.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "durable/door.hpp"
#include "redis/task_group.hpp"
#include "redis/wake_signal.hpp"
#include "relay/manager.hpp"
#include "store/store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/sink.hpp"

namespace sse::http {
class server;
class durable_report;
struct services;
}  // namespace sse::http
namespace sse::fanout {
class hub;
}  // namespace sse::fanout

namespace sse::app {

class demo_producer;
class worker;

class gateway {
 public:
  /// Builds the workers, the store and the telemetry sink from cfg. `sink` (not owned) replaces
  /// the one cfg.telemetry names, `clock` (not owned) the system clock; both must outlive the
  /// gateway. Throws std::runtime_error (one-line message) on a startup error such as an
  /// unknown store or an unusable telemetry file.
  /// `steady` (not owned, may be null: the process's steady clock) is the monotonic clock of
  /// the request path (rate limits, relay timing) and must outlive the gateway too.
  explicit gateway(config::config cfg, telemetry::sink* sink = nullptr,
                   const core::clock* clock = nullptr,
                   const core::monotonic_clock* steady = nullptr);
  /// Stops (as stop()) if still running.
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Binds the listener (writes cfg.port_file once listening), starts the workers, the accept
  /// loop, the expiry sweep and the demo. Throws std::runtime_error if it cannot listen.
  void start();
  /// The bound port (after start()).
  std::uint16_t port() const noexcept;
  /// After start(), any thread: true when /readyz answers 200 (the store reachable, not
  /// shutting down). Before start() it says nothing about the listener.
  bool ready() const noexcept;

  /// After start(), any thread: a watch on worker 0, in the gateway's task group, that calls
  /// `on_waiting` first if the gateway is not ready(), then `on_ready` the first time it is
  /// (at once if it already is); woken by the store's availability reports, not by polling.
  /// It ends at shutdown without calling either (wait() stops and joins it). Both run on
  /// worker 0 and must be quick.
  void when_ready(std::function<void()> on_waiting, std::function<void()> on_ready);

  /// Any thread, never blocks: asks wait() to shut down.
  void request_stop();
  /// Blocks until request_stop(), then shuts down gracefully: stop accepting, /readyz 503,
  /// every SSE client gets `: server shutting down` and its final chunk; after
  /// cfg.shutdown_grace the remaining connections are closed. Returns once every worker thread
  /// has finished. Call from one thread only.
  void wait();
  /// request_stop() then wait().
  void stop();

  const config::config& cfg() const noexcept { return cfg_; }
  telemetry::metrics& metrics() noexcept { return metrics_; }
  store::store& store() noexcept { return *store_.store; }
  /// Connections still open (for tests).
  std::size_t open_connections() const noexcept;
  /// Refused connections whose answer (or TLS handshake) is still under way (for tests).
  std::size_t refusals_in_flight() const noexcept;

 private:
  static boost::asio::awaitable<void> sweep_loop(gateway* self,
                                                 std::shared_ptr<redis::wake_signal> wake);
  static boost::asio::awaitable<void> ready_watch(gateway* self,
                                                  std::shared_ptr<redis::wake_signal> wake,
                                                  std::function<void()> on_waiting,
                                                  std::function<void()> on_ready);
  void sweep_once();
  void drain_workers() noexcept;
  /// Waits (bounded) until the background coroutines of worker 0 have returned.
  void join_tasks(std::chrono::milliseconds limit);

  config::config cfg_;
  core::system_clock system_clock_;
  const core::clock& clock_;
  core::steady_clock steady_clock_;
  const core::monotonic_clock& steady_;
  telemetry::metrics metrics_;
  std::unique_ptr<telemetry::sink> owned_sink_;
  telemetry::sink* sink_;
  // The io_contexts go last: everything below may hold I/O objects or handlers bound to them.
  std::vector<std::unique_ptr<worker>> workers_;
  // Worker 0's background coroutines (expiry sweep, relay lease sweep, demo, ready watch): stopped
  // and joined by wait() before the workers stop. Both are shared with the coroutines themselves,
  // so a frame destroyed with its io_context never touches a member that is gone.
  std::unique_ptr<redis::task_group> tasks_;
  std::shared_ptr<redis::wake_signal> sweep_wake_;  ///< on worker 0: stop the expiry sweep
  /// On worker 0: the store's availability changed, or stop: the ready watch checks again.
  std::shared_ptr<redis::wake_signal> ready_wake_;
  built_store store_;
  std::unique_ptr<auth::authenticator> auth_;  // before services_, which points at it
  std::unique_ptr<auth::node_limits> limits_;
  std::unique_ptr<http::durable_report> durable_report_;  // before durable_, which reports to it
  std::unique_ptr<durable::door> durable_;                // before services_, which points at it
  std::unique_ptr<http::services> services_;
  std::unique_ptr<relay::manager> relay_;       // after services_, which it uses
  std::vector<std::string> relay_route_names_;  // for the start-up line
  std::vector<std::unique_ptr<fanout::hub>> hubs_;
  std::unique_ptr<demo_producer> demo_;
  std::unique_ptr<http::server> server_;
  std::vector<std::thread> threads_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // guarded by mu_
  bool started_ = false;
  bool finished_ = false;
  std::atomic<bool> tasks_stop_{false};  ///< the sweep and the ready watch end
};

}  // namespace sse::app
