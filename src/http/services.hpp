#pragma once
// What the HTTP layer serves with: references to the parts app::gateway built (no singletons:
// everything passed by reference, so tests build their own). Shared by every worker; each member
// is safe to use from any worker thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "ops/context.hpp"

namespace sse::auth {
class authenticator;
struct node_limits;
}  // namespace sse::auth

namespace sse::ops {
class relay_service;
}
namespace sse::durable {
class door;
}  // namespace sse::durable

namespace sse::http {

using ops::relay_service;

/// The store, sink and metrics come from ops::context (stream operations take those only).
struct services : ops::context {
  /// `steady` (not owned; null: the process's steady clock) must outlive the services.
  services(const config::config& c, store::store& st, telemetry::sink& sk, telemetry::metrics& m,
           const core::clock& cl, const core::monotonic_clock* steady_clock = nullptr)
      : ops::context{st, sk, m},
        cfg(c),
        clock(cl),
        steady(steady_clock != nullptr ? *steady_clock : own_steady_) {}
  services(const services&) = delete;
  services& operator=(const services&) = delete;

  const config::config& cfg;
  const core::clock& clock;

 private:
  core::steady_clock own_steady_;  // before `steady`, which may refer to it

 public:
  /// Monotonic time of the request path: append rate limits, the --fault-resume window, the
  /// `received` stamps and the durations counted from them (access log, resume latency), h2's
  /// stall deadlines, the header deadlines of the h1 reader and of the prior-knowledge peek, and
  /// the SSE writer's heartbeats, holds, retries and token expiry (its wakeup arms a real timer
  /// for what is left on this clock).
  const core::monotonic_clock& steady;
  /// Set once shutdown starts: /readyz answers 503, keep-alive ends after the current request.
  std::atomic<bool> draining{false};

  /// What /readyz answers 200 for: the store is reachable and shutdown has not begun. The
  /// service's READY=1 (app/service_notify.hpp) waits for the same. Any thread.
  bool ready() const noexcept {
    return store.available() && !draining.load(std::memory_order_relaxed);
  }
  /// The demo's current stream id (GET /demo/current), empty unless --demo. Any thread.
  std::function<std::optional<std::string>()> demo_current;
  /// Access control (--auth jwt); nullptr when off. Owned by app::gateway.
  const auth::authenticator* auth = nullptr;
  /// Shared limit tables; nullptr in tests that build services without them.
  auth::node_limits* limits = nullptr;
  /// Relay mode (--relay-config); nullptr when off. Owned by app::gateway.
  relay_service* relay = nullptr;
  /// The Durable Streams door (/v1/stream/{path}); nullptr: those paths are 404. Owned by
  /// app::gateway.
  durable::door* durable = nullptr;
  /// When the gateway started: the test-only --fault-resume window is measured from here.
  const core::steady_time_point started = steady.now();
};

}  // namespace sse::http
