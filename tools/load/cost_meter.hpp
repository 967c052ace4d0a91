#pragma once
// Reads the started gateway's and redis-server's CPU time and RSS from /proc at the start of
// the measured interval and as each window closes: the per-window time-series
// figures, and the readings run_cost is computed from. The arithmetic is in gate/run_cost.

#include <sys/types.h>

#include "load/gate/run_cost.hpp"
#include "load/gate/window.hpp"

namespace sse::load {

/// Thread safety: none (the controller's thread only).
class cost_meter {
 public:
  /// A pid <= 0 is a process the tool did not start (external target or store): its figures
  /// stay none.
  cost_meter(pid_t gateway, pid_t redis);

  /// Start of the measured interval: call just before the load starts.
  void start();
  /// A window closes: what each process used since the previous reading, and the gateway's
  /// RSS now. The reading becomes the interval's end (the last window's close ends it).
  window_resources window_end();

  const interval_readings& gateway() const noexcept { return gateway_; }
  const interval_readings& redis() const noexcept { return redis_; }

 private:
  pid_t gateway_pid_;
  pid_t redis_pid_;
  interval_readings gateway_;
  interval_readings redis_;
  std::optional<usage_reading> gateway_last_;
  std::optional<usage_reading> redis_last_;
};

/// utime + stime and VmRSS of a process from /proc (tools::read_process_usage); none when pid
/// <= 0 or the process is gone.
std::optional<usage_reading> read_usage(pid_t pid);

}  // namespace sse::load
