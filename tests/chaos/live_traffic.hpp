#pragma once
// Live traffic for the outage scenarios (3 and 4): a few streams, each with a
// producer appending small batches through Producer-Seq retries and a few subscribers reading
// from the start and resuming whenever a connection ends early. finish() stops the producers,
// ends the streams and waits for every subscriber to see the end.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chaos_producer.hpp"
#include "chaos_seed.hpp"
#include "chaos_subscriber.hpp"

namespace sse::test {

struct traffic_options {
  std::string prefix = "chaos-live";  ///< stream ids: <prefix>-<n>
  std::size_t streams = 3;
  std::size_t subscribers_per_stream = 3;
  /// Where actor `actor` sends its requests (given a fresh engine for random choices).
  std::function<node_picker(std::uint64_t actor)> producer_pick;
  std::function<node_picker(std::uint64_t actor)> subscriber_pick;
  std::size_t min_pad = 50;
  std::size_t max_pad = 400;
  std::size_t max_batch = 3;
  std::chrono::milliseconds append_pause{10};
  /// The producer never gets more than this many events ahead of its slowest subscriber.
  seq_t window = 2000;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::steady_clock::time_point deadline;
};

class live_traffic {
 public:
  live_traffic(traffic_options o, const chaos_seed& seed);
  ~live_traffic();
  live_traffic(const live_traffic&) = delete;
  live_traffic& operator=(const live_traffic&) = delete;

  /// Creates the streams (PUT, retried), starts subscribers and producers.
  void start();
  /// Stops appending, ends every stream, joins everyone (bounded by the deadline).
  void finish();

  /// Events acknowledged so far over all streams.
  seq_t acknowledged() const;
  /// Waits (bounded) until `n` more events than now were acknowledged.
  bool wait_for_progress(seq_t n, std::chrono::milliseconds timeout) const;

  // After finish().
  const std::vector<std::unique_ptr<chaos_producer>>& producers() const noexcept {
    return producers_;
  }
  std::vector<const chaos_subscriber*> subscribers() const;
  const chaos_producer& producer_of(const chaos_subscriber& s) const;
  std::map<std::string, seq_t> end_seqs() const;
  std::vector<std::string> problems() const;
  std::uint64_t retries() const;
  std::uint64_t unavailable_answers() const;
  std::uint64_t acked_after_retry() const;
  std::size_t reconnects() const;
  /// One line: streams, events, retries, reconnects.
  std::string summary() const;

 private:
  void produce(std::size_t s);

  traffic_options o_;
  const chaos_seed& seed_;
  std::vector<std::unique_ptr<stream_board>> boards_;
  std::vector<std::unique_ptr<chaos_producer>> producers_;
  std::vector<std::unique_ptr<chaos_subscriber>> subs_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> problems_;  // guarded by mu_
};

}  // namespace sse::test
