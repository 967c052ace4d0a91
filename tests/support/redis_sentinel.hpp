#pragma once
// A private Sentinel set-up for tests: a primary and one replica (redis_server each, free
// loopback ports, own folders) and N sentinels (`redis-server <conf> --sentinel`) monitoring
// them with short down-after and failover timeouts, waited for (bounded) until every sentinel
// sees the replica and the other sentinels.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace sse::test {

struct redis_sentinel_options {
  int sentinels = 3;
  int quorum = 2;
  std::string master_name = "mymaster";
  std::chrono::milliseconds down_after{1000};        ///< down-after-milliseconds
  std::chrono::milliseconds failover_timeout{3000};  ///< failover-timeout
  std::chrono::milliseconds ready_timeout{30000};
};

/// Thread safety: one thread at a time.
class redis_sentinel_setup {
 public:
  /// Starts primary, replica and sentinels. Throws std::runtime_error (with logs) when they do
  /// not become ready.
  explicit redis_sentinel_setup(redis_sentinel_options options = {});
  ~redis_sentinel_setup();
  redis_sentinel_setup(const redis_sentinel_setup&) = delete;
  redis_sentinel_setup& operator=(const redis_sentinel_setup&) = delete;

  static bool available();

  /// Data node i: 0 is the primary at the start, 1 its replica.
  redis_server& data(std::size_t i) { return *data_.at(i); }
  redis_server& sentinel(std::size_t i) { return *sentinels_.at(i); }
  std::size_t sentinel_count() const noexcept { return sentinels_.size(); }
  const std::string& master_name() const noexcept { return options_.master_name; }
  /// "127.0.0.1:p1,127.0.0.1:p2,..." of the sentinels.
  std::string sentinel_list() const;
  /// "redis-sentinel://<sentinel_list>/<master_name>"
  std::string url() const;

  /// The port the first answering sentinel names as primary; 0 when none answers.
  std::uint16_t primary_port();
  /// Waits until every running sentinel names port as the primary. False on timeout.
  bool wait_primary(std::uint16_t port, std::chrono::milliseconds timeout);
  /// Waits until the primary at primary_port has `replicas` replicas online.
  bool wait_replicas_online(std::uint16_t primary_port, int replicas,
                            std::chrono::milliseconds timeout);
  /// Sentinel's log lines with these words (e.g. "+switch-master"), of every sentinel.
  std::string sentinel_events(const std::string& word) const;

 private:
  bool ready();

  redis_sentinel_options options_;
  std::vector<std::unique_ptr<redis_server>> data_;
  std::vector<std::unique_ptr<redis_server>> sentinels_;
};

}  // namespace sse::test
