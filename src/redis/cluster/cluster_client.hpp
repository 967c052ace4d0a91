#pragma once
// The command side of a Redis Cluster client: learns the slot map from seed nodes (CLUSTER
// SLOTS), keeps one pipelined `connection` per master, sends each command to its slot's master,
// follows MOVED (refresh the map, retry) and ASK (one-off ASKING on the target), and refreshes the
// map on connection errors; every retry is bounded. All state lives on one executor; a caller on
// that executor runs there directly, callers on other executors hop to it (run_on) and back. A
// gateway keeps one client per worker (worker_clients.hpp): the command_link of a cluster.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/command_link.hpp"
#include "redis/config.hpp"
#include "redis/connection.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"
#include "redis/task_group.hpp"
#include "redis/wake_signal.hpp"

namespace sse::redis::cluster {

/// One command as its argument vector (argv[0] is the name). Kept as argv, not as encoded RESP,
/// because an ASK retry must put ASKING right before each redirected command.
using command = redis::command;

struct cluster_options {
  int max_redirects = 8;                                ///< MOVED/ASK/TRYAGAIN hops per command
  int max_unavailable_retries = 6;                      ///< connection errors per call
  std::chrono::milliseconds retry_delay{100};           ///< pause before retrying after an error
  std::chrono::milliseconds refresh_min_interval{100};  ///< map refreshes are rate-limited
};

/// Owned by shared_ptr (coroutines keep it alive while they run).
class cluster_client final : public command_link,
                             public std::enable_shared_from_this<cluster_client> {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// seeds: nodes asked for the slot map (any node of the cluster will do). base: timeouts,
  /// credentials; its host/port are ignored. scripts are loaded on every (re)connect of every
  /// node and must outlive the client.
  cluster_client(executor_type ex, std::vector<node_address> seeds, connection_config base,
                 std::vector<const script*> scripts = {}, cluster_options options = {});
  ~cluster_client() override;
  cluster_client(const cluster_client&) = delete;
  cluster_client& operator=(const cluster_client&) = delete;

  /// Learns the map (bounded by retries) and opens a connection per master. Any executor.
  /// errc::store_unavailable when no seed answered with a full map.
  boost::asio::awaitable<result<void>> connect();
  /// connect() in the background, again every 500 ms until it succeeds (bounded: 1000 times)
  /// or stop(): up() turns true once every master's link is up.
  void start() override;
  /// Stops every connection and start()'s retries. Any thread.
  void stop() override;
  /// Completes once start()'s background coroutine has returned: after stop(), within one
  /// connect attempt. Any executor.
  /// Then every link's run() too (a link runs in its connection's own group).
  boost::asio::awaitable<void> join() override;

  /// Runs cmds, which must all belong to `slot`, on the slot's master (pipelined), following
  /// redirections per command. One reply per command in order; Redis errors other than
  /// redirections are values. errc::store_unavailable when the retries ran out (nothing ran);
  /// errc::outcome_unknown when a link was lost or timed out after sending. Any executor.
  boost::asio::awaitable<result<std::vector<reply>>> exec(std::uint16_t slot,
                                                          std::vector<command> cmds);

  /// EVALSHA on the master of keys[0]'s slot; on NOSCRIPT loads the script there and calls again.
  /// The script's reply, which may be an error reply. Any executor.
  boost::asio::awaitable<result<reply>> eval(const script& s,
                                             std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args) override;

  /// exec() on key's slot.
  boost::asio::awaitable<result<std::vector<reply>>> exec_on_key(
      std::string_view key, std::vector<command> commands) override;
  /// One key per master of the current map. Errors: store_unavailable (no map yet).
  boost::asio::awaitable<result<std::vector<std::string>>> node_keys() override;

  /// Asks the seeds (then the known masters) for the map again. Any executor.
  boost::asio::awaitable<result<void>> refresh();

  /// A copy of the current map. Any executor.
  boost::asio::awaitable<slot_map> current_map();

  /// True when every master's connection is up. Any thread.
  bool up() const noexcept override;
  /// True when every master's connection is ready (up and answering). Any thread.
  bool ready() const noexcept;

  /// Set before start(): reports ready() to tracker's slot at every change of a link's state and
  /// of the set of masters (for /readyz and SseStoreUnavailable/SseStoreRecovered).
  void set_tracker(std::shared_ptr<availability> tracker, std::size_t slot) {
    tracker_ = std::move(tracker);
    tracker_slot_ = slot;
  }

  executor_type get_executor() const { return ex_; }
  /// The current map, by reference: on get_executor() only (the sharded subscriber's path).
  const slot_map& map_here() const noexcept { return map_; }
  /// refresh() for callers already on get_executor(); forced=false is rate-limited.
  boost::asio::awaitable<result<void>> refresh_on_executor(bool forced) {
    return refresh_here(forced);
  }
  /// Number of CLUSTER SLOTS refreshes that succeeded (for tests and telemetry).
  std::uint64_t refreshes() const noexcept { return refreshes_.load(); }
  std::uint64_t redirects() const noexcept { return redirects_.load(); }

 private:
  boost::asio::awaitable<result<std::vector<reply>>> exec_here(std::uint16_t slot,
                                                               std::vector<command> cmds);
  boost::asio::awaitable<result<void>> refresh_here(bool forced);
  boost::asio::awaitable<result<reply>> ask_slots(const node_address& node);
  boost::asio::awaitable<bool> wait_up(connection& c, std::chrono::milliseconds timeout);
  std::shared_ptr<connection> connection_for(const node_address& node);
  void adopt(slot_map map);
  void report_state();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  /// True when the running coroutine is on get_executor() (no hop needed).
  boost::asio::awaitable<bool> on_executor() const;
  /// Wakes wait_up(): from a link's state handler (on the executor) or stop() (posted).
  std::function<void(bool)> wake_on_state();

  executor_type ex_;
  std::vector<node_address> seeds_;
  connection_config base_;
  std::vector<const script*> scripts_;
  cluster_options options_;
  slot_map map_;
  std::map<node_address, std::shared_ptr<connection>> links_;
  core::steady_time_point last_refresh_{};  ///< on base.clock (wake_.now())
  std::atomic<std::uint64_t> refreshes_{0};
  std::atomic<std::uint64_t> redirects_{0};
  std::atomic<bool> stopped_{false};
  std::shared_ptr<availability> tracker_;
  std::size_t tracker_slot_ = 0;
  /// A link to a node went up or down, or stop(): wait_up() checks again (on the executor).
  /// Reads time on base.clock: the refresh interval and wait_up()'s deadline too.
  wake_signal wake_;
  task_group tasks_{ex_};        ///< start()'s connect loop
  mutable std::mutex links_mu_;  ///< guards links_ for up() from other threads only
};

}  // namespace sse::redis::cluster
