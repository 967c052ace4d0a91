#pragma once
// One Redis connection as a thin I/O shell around the multiplexer: run() owns connect, AUTH/SELECT,
// the PING health check and reconnects with capped exponential backoff and jitter; callers only
// exec(). Everything runs on one executor (one worker): no locks inside.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "redis/config.hpp"
#include "redis/multiplexer.hpp"
#include "redis/reply.hpp"
#include "redis/request.hpp"
#include "redis/task_group.hpp"

namespace sse::redis {

/// Owned by shared_ptr: start() keeps the connection alive until run() returns, so an owner may
/// drop its reference right after stop() while the executor winds the coroutines down.
class connection : public std::enable_shared_from_this<connection> {
 public:
  using executor_type = boost::asio::any_io_executor;
  /// Runs during every handshake, after AUTH/SELECT/PING and before the connection reports up
  /// (load scripts, resubscribe). Use exec_unchecked() inside. An error drops the link.
  using connect_hook =
      std::function<boost::asio::awaitable<boost::system::error_code>(connection&)>;

  /// Where to connect, asked before every connect attempt (Sentinel: the current primary). An
  /// error counts as a failed connect (backoff, ask again).
  using address_provider =
      std::function<boost::asio::awaitable<result<std::pair<std::string, std::uint16_t>>>()>;

  /// subscriber_mode: this connection will SUBSCRIBE; server pushes go to the push handler.
  connection(executor_type ex, connection_config cfg, bool subscriber_mode = false);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Spawns run() on get_executor(), holding a reference to this until it returns. Call once.
  void start();
  /// Completes once the run() that start() spawned has returned (at once without start()):
  /// after stop(), soon. Any executor.
  boost::asio::awaitable<void> join() { return tasks_.join(); }

  /// Keeps the link up until stop(). Call once, on get_executor(), on a connection owned by a
  /// shared_ptr (the coroutine holds a reference until it returns).
  boost::asio::awaitable<void> run();

  /// Makes run() return soon: closes the socket, fails pending requests. Any thread.
  void stop();

  /// Sends req (one or more commands, pipelined with everything else pending) and waits for one
  /// reply per command. Error replies are values in the vector. Errors: errc::store_unavailable
  /// when nothing was sent (the connection is not up, or was lost or the timeout passed before
  /// the request was written); errc::outcome_unknown when the request was written but not all
  /// replies came (lost link, timeout): the commands may have run. Must be called on
  /// get_executor().
  boost::asio::awaitable<result<std::vector<reply>>> exec(request req,
                                                          std::chrono::milliseconds timeout);
  boost::asio::awaitable<result<std::vector<reply>>> exec(request req) {
    return exec(std::move(req), cfg_.command_timeout);
  }

  /// Like exec() but also while the handshake runs (for connect hooks).
  boost::asio::awaitable<result<std::vector<reply>>> exec_unchecked(
      request req, std::chrono::milliseconds timeout);

  /// Queues req without waiting for its replies (they are read and dropped). False when the
  /// connection is not up. Must be called on get_executor().
  bool send_detached(request req);

  /// Queues req whose answers the server sends as pushes (SUNSUBSCRIBE on a sharded link):
  /// nothing waits for them. False when the connection is not up. On get_executor().
  bool send_answered_by_push(request req);

  /// Drops the current link as if it were lost (a pub/sub probe that did not come back): run()
  /// reconnects with backoff and the handlers see down, then up. Any thread.
  void drop();

  /// True between a completed handshake and the loss of the link. Any thread.
  bool up() const noexcept { return up_.load(std::memory_order_acquire); }
  /// up() and answering: false once a request has been outstanding for config().ready_timeout
  /// with no reply meanwhile, until the next reply (a paused server keeps its sockets open, so
  /// up() alone would not tell). Any thread.
  bool ready() const noexcept { return up() && !stalled_.load(std::memory_order_acquire); }

  executor_type get_executor() const { return ex_; }
  const connection_config& config() const noexcept { return cfg_; }

  /// Set before run(). Called on get_executor() at every change of up().
  void set_state_handler(std::function<void(bool)> handler) { state_handler_ = std::move(handler); }
  /// Set before run(). Called on get_executor() at every change of ready() (availability
  /// trackers listen here; state handlers keep link-level duties such as resubscribing).
  void set_ready_handler(std::function<void(bool)> handler) { ready_handler_ = std::move(handler); }
  /// Set before run().
  void set_connect_hook(connect_hook hook) { connect_hook_ = std::move(hook); }
  /// Set before run(): replaces the configured host and port at every connect.
  void set_address_provider(address_provider provider) { provider_ = std::move(provider); }
  /// Set before run(): receives `message` pushes (subscriber mode), on get_executor().
  void set_push_handler(std::function<void(reply&&)> handler) {
    mux_.set_push_handler(std::move(handler));
  }

 private:
  boost::asio::awaitable<boost::system::error_code> connect_socket();
  boost::asio::awaitable<boost::system::error_code> handshake();
  boost::asio::awaitable<void> reader();
  boost::asio::awaitable<void> writer();
  boost::asio::awaitable<void> session();
  boost::asio::awaitable<void> stall_watch();
  /// exec_unchecked() of a request already made (the health PING carries its `expect`).
  boost::asio::awaitable<result<std::vector<reply>>> exec_pending(
      pending_ptr p, std::chrono::milliseconds timeout);
  void enqueue(pending_ptr p);
  std::chrono::milliseconds next_backoff();
  void set_up(bool up);
  void set_stalled(bool stalled);
  void notify_ready(bool was_ready);
  void close_socket();
  /// Tells cfg_.report (if any) that this connection's address failed, and why.
  void report_failure(const std::string& reason);

  executor_type ex_;
  connection_config cfg_;
  core::steady_clock own_clock_;
  const core::monotonic_clock& clock_;  ///< cfg_.clock, else own_clock_
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer write_signal_;
  boost::asio::steady_timer backoff_timer_;
  /// Armed for the deadline of the oldest outstanding request (one timer, no polling).
  boost::asio::steady_timer stall_timer_;
  multiplexer mux_;
  std::vector<char> read_buffer_;
  std::atomic<bool> up_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> stalled_{false};
  core::steady_time_point last_reply_{};  ///< of this link (on clock_); for stall_watch()
  int failures_ = 0;
  std::minstd_rand rng_;
  std::function<void(bool)> state_handler_;
  std::function<void(bool)> ready_handler_;
  connect_hook connect_hook_;
  address_provider provider_;
  task_group tasks_;  ///< the run() start() spawned
};

}  // namespace sse::redis
