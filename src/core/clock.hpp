#pragma once
// Injected time: TTLs, expiry and timestamps read this instead of the system clock, so tests can
// advance time instead of sleeping.

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

/// Milliseconds since the Unix epoch, as written in JSON answers and telemetry.
inline long long to_unix_ms(time_point t) noexcept {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace sse::core
