#pragma once
// Polls /readyz of every node in the background (every few ms) and keeps what it saw, so that a
// scenario can assert "not ready during the outage, ready after" without racing the outage.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chaos_node.hpp"

namespace sse::test {

class readiness_monitor {
 public:
  struct seen {
    std::size_t ready = 0;             ///< 200 answers
    std::size_t not_ready = 0;         ///< 503 answers
    std::size_t other = 0;             ///< anything else, or no answer
    long long first_not_ready_ms = 0;  ///< Unix ms of the first 503 (0: none)
    long long last_not_ready_ms = 0;
    long long first_ready_after_ms = 0;  ///< first 200 after the last 503 (0: none yet)
  };

  /// Starts polling every node's /readyz every `period`.
  explicit readiness_monitor(std::vector<endpoint> nodes,
                             std::chrono::milliseconds period = std::chrono::milliseconds(5));
  ~readiness_monitor();
  readiness_monitor(const readiness_monitor&) = delete;
  readiness_monitor& operator=(const readiness_monitor&) = delete;

  void stop();
  /// What node i answered so far.
  seen of(std::size_t i) const;
  /// "n1: 200 x40, 503 x12 (first 503 at ...), ..." for messages.
  std::string describe() const;

 private:
  void run();

  std::vector<endpoint> nodes_;
  std::chrono::milliseconds period_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<seen> seen_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sse::test
