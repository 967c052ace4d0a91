#pragma once
// Injected time, so tests can advance time instead of sleeping. Two kinds: `clock` is wall time
// (TTLs, expiry, timestamps that are stored or shown: they must agree across nodes and
// restarts); `monotonic_clock` is steady time (deadlines, intervals, durations measured in this
// process).

#include <atomic>
#include <chrono>

namespace sse::core {

using time_point = std::chrono::system_clock::time_point;
using std::chrono::milliseconds;

/// Thread safety: now() may be called from any thread.
class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const noexcept = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const noexcept override { return std::chrono::system_clock::now(); }
};

/// A clock that moves only when told to. Starts at a fixed, realistic date.
class manual_clock final : public clock {
 public:
  manual_clock() : now_ms_(1'790'000'000'000) {}
  time_point now() const noexcept override {
    return time_point(milliseconds(now_ms_.load(std::memory_order_relaxed)));
  }
  void advance(milliseconds d) noexcept { now_ms_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::atomic<long long> now_ms_;
};

/// Monotonic time, for deadlines, timeouts, intervals and rates: unlike `clock` it never jumps
/// when the wall clock is set, and it means nothing outside this process (never written out).
using steady_time_point = std::chrono::steady_clock::time_point;

/// The monotonic counterpart of `clock`, injected the same way, so that code which waits or
/// measures can be tested by advancing a manual_steady_clock instead of sleeping.
/// Thread safety: now() may be called from any thread.
class monotonic_clock {
 public:
  virtual ~monotonic_clock() = default;
  virtual steady_time_point now() const noexcept = 0;
};

class steady_clock final : public monotonic_clock {
 public:
  steady_time_point now() const noexcept override { return std::chrono::steady_clock::now(); }
};

/// A monotonic clock that moves only when told to. Starts an hour past the steady epoch, so
/// that a test may subtract from now() without going below zero.
class manual_steady_clock final : public monotonic_clock {
 public:
  using duration = steady_time_point::duration;
  manual_steady_clock() : since_epoch_(duration(std::chrono::hours(1)).count()) {}
  steady_time_point now() const noexcept override {
    return steady_time_point(duration(since_epoch_.load(std::memory_order_relaxed)));
  }
  /// Moves time forward by d (never back: a negative d is ignored, as monotonic time cannot
  /// go back).
  void advance(duration d) noexcept {
    if (d.count() > 0) {
      since_epoch_.fetch_add(d.count(), std::memory_order_relaxed);
    }
  }

 private:
  std::atomic<duration::rep> since_epoch_;
};

/// Milliseconds since the Unix epoch, as written in JSON answers and telemetry.
inline long long to_unix_ms(time_point t) noexcept {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace sse::core
