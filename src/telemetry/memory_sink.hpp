#pragma once
// Keeps every event in memory: for unit tests and the chaos tests' collector, which wait for
// events and print what was seen when an assertion fails.

#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "telemetry/sink.hpp"

namespace sse::telemetry {

/// Thread safety: every member may be called from any thread, concurrently with emit().
class memory_sink final : public sink {
 public:
  using predicate = std::function<bool(const event&)>;

  /// Holds at most `max_events`; later events are counted in dropped() and not kept. `clock`
  /// (not owned, it must outlive the sink; null: the system clock) stamps events.
  explicit memory_sink(std::size_t max_events = 1'000'000, const core::clock* clock = nullptr);

  /// Sets ts_ms to the clock's now when it is 0, stores the event and wakes waiters.
  void emit(event e) noexcept override;

  /// A copy of every stored event, in emit order.
  std::vector<event> snapshot() const;

  /// Events named `name` (any name when empty) for which `pred` (if set) is true.
  std::size_t count(std::string_view name, const predicate& pred = {}) const;

  /// Predicates run under the sink's lock: they must not call back into the sink.
  ///
  /// Waits until an event named `name` (any when empty) matching `pred` (any when empty) has
  /// been emitted, counting events emitted before the call, at most `timeout`. Returns the
  /// first such event, or nullopt on timeout. (`timeout` is real time, whatever the clock: the
  /// events come from other threads.)
  std::optional<event> wait_for(std::string_view name, predicate pred,
                                std::chrono::milliseconds timeout) const;

  /// Waits until count(name, pred) >= n, at most `timeout`. Returns the count reached (>= n on
  /// success, less on timeout).
  std::size_t wait_for_count(std::string_view name, std::size_t n,
                             std::chrono::milliseconds timeout, const predicate& pred = {}) const;

  /// Every stored event, one JSON line each (format.hpp), for assertion messages.
  std::string dump() const;

  /// Forgets every stored event (dropped() is kept).
  void clear();

  std::uint64_t dropped() const noexcept;

 private:
  static bool matches(const event& e, std::string_view name, const predicate& pred);

  std::size_t max_events_;
  core::system_clock own_clock_;
  const core::clock& clock_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<event> events_;  // guarded by mutex_
  std::uint64_t dropped_ = 0;  // guarded by mutex_
};

/// Whether `e.fields[key]` exists and equals `value`. Numbers compare by value across
/// int64/uint64/double (5 == 5u == 5.0), which is what tests mean.
bool field_is(const event& e, std::string_view key, const boost::json::value& value);

}  // namespace sse::telemetry
