#pragma once
// Relay mode: starts upstream calls for POST /v1/relay/{route} and records each upstream's SSE
// events into a resumable stream, whether or not the client is still there.
//
// Stream ids: "relay.<route>.<Idempotency-Key>" (else a generated key), a namespace only the
// relay writes, so a key never names a stream made otherwise. Idempotency: the call is started
// only by the request whose store.create made the stream, so a retried POST, on any node
// sharing the store, reads the same stream instead of paying for a second call.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ops/context.hpp"
#include "ops/relay_service.hpp"
#include "relay/route.hpp"
#include "relay/upstream.hpp"
#include "store/lease.hpp"

namespace sse::relay {

/// Counters of one route, for /metrics and tests. Any thread.
struct route_stats {
  std::atomic<std::uint64_t> started{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> cancelled{0};
  std::atomic<std::uint64_t> rejected_busy{0};  ///< 429s
  std::atomic<std::uint64_t> events{0};         ///< upstream events appended
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> ttfb_ms_sum{0};  ///< over calls that got a response head
  std::atomic<std::uint64_t> ttfb_count{0};
  std::atomic<std::uint64_t> duration_ms_sum{0};  ///< over finished calls
};

struct manager_options {
  /// The shared store's leases (store/redis: redis_lease; it must not outlive its store);
  /// nullptr with the memory store. With one, each call holds its stream's lease while it runs,
  /// and start_sweep() ends the streams of calls whose node died (failed, upstream_lost).
  std::shared_ptr<store::stream_lease> lease;
  std::chrono::milliseconds lease_sweep_interval{std::chrono::seconds(2)};
  std::size_t lease_sweep_batch = 64;  ///< expired leases claimed per sweep
  /// Keep-alive connections per upstream host (per worker).
  pool_limits pool;
  /// Monotonic time of the calls (timeouts, durations, pool idle time) and of the lease sweep
  /// (not owned, it must outlive the manager; null: the process's steady clock).
  const core::monotonic_clock* clock = nullptr;
};

class manager final : public ops::relay_service {
 public:
  /// `tls` verifies upstream certificates (make_client_tls_context).
  manager(ops::context& s, std::vector<route> routes,
          std::shared_ptr<boost::asio::ssl::context> tls, manager_options options = {});
  /// Aborts running calls (their streams are left as they are: a lease, where there is one,
  /// lets another node end them). Call shutdown() first to end them.
  ~manager() override;
  manager(const manager&) = delete;
  manager& operator=(const manager&) = delete;

  ops::api_result<std::string> stream_id(std::string_view route,
                                         const std::optional<std::string>& key) const override;
  boost::asio::awaitable<ops::api_result<ops::relay_started>> start(
      std::string route, std::string stream_id, std::string body,
      std::string content_type) override;
  boost::asio::awaitable<ops::api_result<ops::relay_cancelled>> cancel(
      std::string stream_id) override;
  std::string render_prometheus() const override;

  /// With a lease: the loop that sweeps expired leases every lease_sweep_interval until
  /// shutdown(), to be spawned on ex (one of the workers) by its owner, which joins it after
  /// shutdown(); nullopt without a lease. Call once.
  std::optional<boost::asio::awaitable<void>> sweep_task(boost::asio::any_io_executor ex);
  /// One sweep: claims the expired leases and ends each claimed stream `failed` with an
  /// upstream_error event {"reason":"upstream_lost"} (SseRelayUpstreamError, local false).
  /// Answers how many streams this node ended. Any executor.
  boost::asio::awaitable<std::size_t> sweep_once();

  /// Graceful shutdown: refuses new calls (503), stops the sweep and aborts every call running
  /// here, which then ends its stream `failed` (upstream_error {"reason":"gateway_shutdown"})
  /// and releases its lease. Blocks (not on a worker: the calls end there) until they have
  /// ended and their coroutines (each call's and its lease keeper's) have returned, or until
  /// `deadline` (real time) passed; answers the calls still running then. Woken as each call
  /// ends, not by polling.
  std::size_t shutdown(std::chrono::milliseconds deadline);

  /// nullptr for an unknown route.
  const route_stats* stats(std::string_view route) const;
  /// Upstream calls running on this node.
  std::size_t running() const;
  /// The upstream connection pool (opened / reused / stale_retries counters, idle()).
  const upstream_pool& pool() const;

  // Implementation (manager_shared.hpp); public only so that the call's coroutine can hold it.
  struct entry {
    route r;
    std::unique_ptr<route_stats> stats;
  };
  struct shared;

 private:
  std::shared_ptr<shared> shared_;
};

}  // namespace sse::relay
