#pragma once
// One thread of the load tool: an io_context with its share of producers and subscribers, the
// scanner that cuts connections and enforces deadlines, and the stats shard the controller
// collects each window. With --threads 1 (the default) there is exactly one.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/sse_connection.hpp"
#include "load/gate/window.hpp"
#include "load/options.hpp"
#include "load/sequence_checker.hpp"

namespace sse::load {

using steady = std::chrono::steady_clock;

inline std::uint64_t to_ns(steady::time_point t) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

/// Counters that are not per window (reported in summary.json "aggregates").
struct run_counters {
  std::uint64_t subscriptions = 0;     ///< fresh subscriptions (from seq 0), not resumes
  std::uint64_t subscribe_errors = 0;  ///< fresh subscriptions that failed
  std::uint64_t streams_created = 0;
  std::uint64_t streams_ended = 0;
  std::uint64_t cuts = 0;            ///< abrupt cuts made by the tool
  std::uint64_t gateway_closes = 0;  ///< responses the gateway ended before the end event
  std::uint64_t resets = 0;          ///< `event: reset` received
  void merge(const run_counters& o) noexcept;
};

/// What a worker observed; the controller swaps `window` out at each window's end.
struct shard {
  std::mutex mutex;
  window_sample window;   ///< guarded by mutex
  run_counters counters;  ///< guarded by mutex
  std::atomic<std::uint64_t> open_connections{0};
  /// Connects the target answered (any HTTP status) and connects it refused, since the start:
  /// the controller's target_watch ends the run when only refusals come.
  std::atomic<std::uint64_t> connects_accepted{0};
  std::atomic<std::uint64_t> connects_refused{0};
  /// Start times (steady ns) of the resume attempts still waiting for their first event,
  /// guarded by mutex: the controller reads the oldest for the as-it-happens latency rule.
  std::multiset<std::uint64_t> pending_resumes;
};

/// Stream ids by slot and generation; a slot's generation moves on when its stream ends.
class slot_table {
 public:
  slot_table(std::size_t slots, std::string prefix);
  std::string stream_id(std::size_t slot, std::uint64_t gen) const;
  std::uint64_t generation(std::size_t slot) const noexcept;
  void advance(std::size_t slot, std::uint64_t gen) noexcept;
  std::size_t size() const noexcept { return gens_.size(); }

 private:
  std::string prefix_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> gens_storage_;
  std::vector<std::atomic<std::uint64_t>*> gens_;
};

/// Everything the workers share, read-only except the atomics.
struct shared_run {
  const load_options* options = nullptr;
  boost::asio::ip::tcp::endpoint server;          ///< subscribers connect here
  boost::asio::ip::tcp::endpoint publish_server;  ///< producers connect here
  slot_table* slots = nullptr;
  steady::time_point start;
  std::atomic<bool> stopping{false};
};

class worker {
 public:
  worker(shared_run& run, std::size_t index);
  ~worker();

  /// Before start(): give this worker a subscriber or a producer.
  void add_subscriber(std::size_t id, std::size_t slot, std::chrono::milliseconds start_delay);
  void add_producer(std::size_t id, std::vector<std::size_t> slots);

  /// Spawns every coroutine and the scanner on this worker's io_context (call run() next).
  void start();
  /// Runs the io_context until it runs out of work or is stopped.
  void run();
  /// Thread safety: any thread. Cuts every connection and ends every coroutine; the
  /// io_context is stopped for good after `grace`.
  void stop(std::chrono::milliseconds grace);

  shard& stats() noexcept { return shard_; }
  boost::asio::io_context& context() noexcept { return ctx_; }

 private:
  struct subscriber;
  struct producer_spec {
    std::size_t id;
    std::vector<std::size_t> slots;
  };

  boost::asio::awaitable<void> run_subscriber(subscriber& s);
  boost::asio::awaitable<void> run_producer(producer_spec p);
  boost::asio::awaitable<void> run_nchan_producer(producer_spec p);
  /// Counts a connect outcome for the controller's target_watch.
  void count_connect(const boost::system::error_code& ec) noexcept;
  boost::asio::awaitable<void> scan();
  boost::asio::awaitable<bool> pause(subscriber& s, std::chrono::milliseconds d);
  void begin_resume(subscriber& s, steady::time_point t);
  /// Records the outcome of the pending resume attempt, if any. Caller holds shard_.mutex.
  void finish_resume_locked(subscriber& s, resume_outcome o, steady::time_point now);
  void finish_resume(subscriber& s, resume_outcome o);
  std::chrono::milliseconds next_cut_interval(subscriber& s);

  shared_run& run_;
  std::size_t index_;
  boost::asio::io_context ctx_{1};
  shard shard_;
  // Declared after ctx_: sockets are destroyed while their io_context still exists.
  std::vector<std::unique_ptr<subscriber>> subscribers_;
  std::vector<producer_spec> producers_;
};

}  // namespace sse::load
