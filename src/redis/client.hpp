#pragma once
// The command side of the Redis client: a small fixed set of pipelined connections, one per
// worker executor (no pool to hand out, a worker always talks through its own link).
// Blocking commands and SUBSCRIBE never go here (see subscriber.hpp). The command_link of a single
// node or a Sentinel-managed primary.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/availability.hpp"
#include "redis/command_link.hpp"
#include "redis/config.hpp"
#include "redis/connection.hpp"
#include "redis/reply.hpp"
#include "redis/request.hpp"
#include "redis/script.hpp"

namespace sse::redis {

class client final : public command_link {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// One connection per executor (at least one). The scripts are loaded on every (re)connect and
  /// must outlive every connection (make them static). With a tracker, connection i reports to
  /// its slot first_slot + i.
  client(std::vector<executor_type> executors, connection_config cfg,
         std::vector<const script*> scripts = {}, std::shared_ptr<availability> tracker = {},
         std::size_t first_slot = 0);
  ~client() override;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Spawns every connection's run() on its executor. Call once.
  void start() override;
  /// Asks every connection to stop. The connections live on (owned by their run coroutines)
  /// until their executors have wound them down, so the client may be destroyed right after.
  /// Any thread.
  void stop() override;
  /// Completes once every connection's run() has returned (after stop(): soon). Any executor.
  boost::asio::awaitable<void> join() override;
  /// Drops every connection's current link; each reconnects as after a loss (with an address
  /// provider: to wherever it now points, e.g. after READONLY from a demoted primary). Any thread.
  void drop_all();

  /// Runs req on the caller's worker's connection (the one whose executor is the caller's), or
  /// hops to one of the connections when the caller is on no worker. Errors as
  /// connection::exec. Any executor.
  boost::asio::awaitable<result<std::vector<reply>>> exec(request req,
                                                          std::chrono::milliseconds timeout);
  boost::asio::awaitable<result<std::vector<reply>>> exec(request req);

  /// EVALSHA s with keys and args; on NOSCRIPT loads it and retries in the same round trip.
  /// Returns the script's reply, which may be an error reply. Any executor.
  /// With a demoted handler, a READONLY reply (the primary was demoted) also drops every
  /// connection and calls the handler.
  boost::asio::awaitable<result<reply>> eval(const script& s,
                                             std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args) override;

  /// exec() of commands on the caller's worker's connection (one node: the key is ignored).
  boost::asio::awaitable<result<std::vector<reply>>> exec_on_key(
      std::string_view key, std::vector<command> commands) override;
  /// {""}: one node.
  boost::asio::awaitable<result<std::vector<std::string>>> node_keys() override;

  /// Set before start() (Sentinel mode): called after a script met READONLY, i.e. talked to a
  /// primary that was demoted since; the connections are dropped to reconnect to wherever the
  /// address provider now points, and the handler drops what else follows the primary.
  void set_demoted_handler(std::function<void()> handler) { on_demoted_ = std::move(handler); }

  /// True when every connection is up. Any thread.
  bool up() const noexcept override;

  std::size_t size() const noexcept { return connections_.size(); }
  connection& at(std::size_t i) { return *connections_.at(i); }

 private:
  connection* local_connection(const executor_type& ex) noexcept;
  boost::asio::awaitable<result<reply>> eval_loading(const script& s,
                                                     std::span<const std::string_view> keys,
                                                     std::span<const std::string_view> args);

  std::vector<std::shared_ptr<connection>> connections_;
  std::atomic<std::size_t> next_{0};
  std::function<void()> on_demoted_;
};

/// Appends `EVALSHA sha numkeys keys... args...` to req.
void push_evalsha(request& req, const script& s, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args);

}  // namespace sse::redis
