#pragma once
// The chaos tests' telemetry collector: one memory_sink shared by every
// in-process node (each through its own node_tagging_sink), bounded waits for an event matching
// a name and fields, counts, and gtest assertion results that print what was seen on failure.
//
//   telemetry_collector tc;
//   app::gateway a(cfg_a, &tc.node_sink("a"));
//   EXPECT_TRUE(tc.saw({.name = "SseResumeAttempt", .stream = "s", .node = "a"}, 5s));
//   EXPECT_TRUE(tc.count_is({.name = "SseSlowClientDropped"}, 3, 5s));

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node_tagging_sink.hpp"
#include "telemetry/memory_sink.hpp"

namespace sse::test {

/// What an event must look like. Unset parts match anything.
struct event_match {
  // Every member has a default initializer, so designated initializers may leave any out.
  std::string name{};                   ///< empty: any name
  std::optional<std::string> stream{};  ///< telemetry::event::stream
  std::optional<std::string> node{};    ///< fields["node"] (added by node_tagging_sink)
  boost::json::object fields{};         ///< each must be present and equal (telemetry::field_is)
  /// Any further condition. Runs under the collector's lock: it must not call the collector.
  std::function<bool(const telemetry::event&)> pred{};

  bool matches(const telemetry::event& e) const;
  /// `SseResumeAttempt stream=s node=a {"last_event_id":"e:3"} +pred`, for messages.
  std::string describe() const;
};

/// Thread safety: every member may be called from any thread, concurrently with the nodes'
/// emits.
class telemetry_collector {
 public:
  explicit telemetry_collector(std::size_t max_events = 1'000'000);
  telemetry_collector(const telemetry_collector&) = delete;
  telemetry_collector& operator=(const telemetry_collector&) = delete;

  /// The sink to give node `node` (created on first use; the reference stays valid as long as
  /// the collector). Events emitted through it carry fields["node"] = node.
  telemetry::sink& node_sink(const std::string& node);
  /// The shared store of every event (untagged events may be emitted here directly).
  telemetry::memory_sink& memory() noexcept { return memory_; }

  std::vector<telemetry::event> events(const event_match& m) const;
  std::size_t count(const event_match& m) const;

  /// The first event (emitted before or during the call) matching m, or nullopt after timeout.
  std::optional<telemetry::event> wait_for(const event_match& m,
                                           std::chrono::milliseconds timeout) const;
  /// Waits until count(m) >= n or timeout; returns the count reached.
  std::size_t wait_for_count(const event_match& m, std::size_t n,
                             std::chrono::milliseconds timeout) const;

  /// An event matching m arrives within timeout; the failure message shows m and the dump.
  ::testing::AssertionResult saw(const event_match& m, std::chrono::milliseconds timeout) const;
  /// At least n events match within timeout.
  ::testing::AssertionResult saw_at_least(const event_match& m, std::size_t n,
                                          std::chrono::milliseconds timeout) const;
  /// Exactly n events match: waits (bounded) for n, then `settle` more to see that no extra one
  /// follows. For n == 0 it only waits `settle`.
  ::testing::AssertionResult count_is(
      const event_match& m, std::size_t n, std::chrono::milliseconds timeout,
      std::chrono::milliseconds settle = std::chrono::milliseconds(200)) const;
  /// No event matches now.
  ::testing::AssertionResult none(const event_match& m) const;

  /// What was seen: the events matching `focus` (all when unset) as JSON lines, at most
  /// `max_lines` (the last ones), after a header with the totals by name. For failure messages.
  std::string dump(const std::optional<event_match>& focus = std::nullopt,
                   std::size_t max_lines = 150) const;

  void clear() { memory_.clear(); }

 private:
  telemetry::memory_sink memory_;
  mutable std::mutex sinks_mu_;
  std::deque<node_tagging_sink> sinks_;  // deque: references stay valid as it grows
};

/// One JSON line for an event (name, stream, node and fields), for messages.
std::string describe_event(const telemetry::event& e);

}  // namespace sse::test
