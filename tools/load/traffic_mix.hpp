#pragma once
// What the producers write: priorities, event types and payload sizes drawn from a mix shaped
// like LLM token streams, and the payload that carries the publish timestamp. Pure.

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::load {

struct size_range {
  std::uint32_t min = 0;
  std::uint32_t max = 0;
};

/// Per priority 0..3: how often it is drawn (weights) and how large its filler is.
struct traffic_mix {
  // Defaults: many small priority-1 deltas, some priority-0 progress events, occasional large
  // priority-3 events (tool calls, final usage).
  std::array<double, 4> weights{8, 90, 0, 2};
  std::array<size_range, 4> sizes{size_range{16, 48}, size_range{4, 32}, size_range{64, 256},
                                  size_range{200, 1000}};
};

/// "8,90,0,2": four non-negative weights for priorities 0..3, not all zero.
result<std::array<double, 4>> parse_weights(std::string_view text);
/// "16-48,4-32,64-256,200-1000": four min-max filler sizes in bytes for priorities 0..3.
result<std::array<size_range, 4>> parse_sizes(std::string_view text);

std::string format_weights(const std::array<double, 4>& w);
std::string format_sizes(const std::array<size_range, 4>& s);

/// The `event:` type a priority's events carry ("progress", "delta", "tool", "usage").
std::string_view event_type_for(int priority) noexcept;

/// Draws priorities and sizes. Thread safety: none; one per producer.
class traffic_source {
 public:
  traffic_source(const traffic_mix& mix, std::uint64_t seed);
  int next_priority();
  std::uint32_t next_size(int priority);

 private:
  traffic_mix mix_;
  std::mt19937_64 rng_;
  std::discrete_distribution<int> priorities_;
};

/// Appends one NDJSON event line (with '\n') whose data is `<publish_ns> <filler>`. The data is
/// plain ASCII, so it needs no JSON escaping.
void append_event_line(std::string& out, int priority, std::uint64_t publish_ns,
                       std::uint32_t filler_bytes);

/// How long after its start a producer sends its first batch: a random phase within one batch
/// interval. Producers started together otherwise tick in lockstep, and each tick's requests
/// arrive as one burst, so every event waits behind the whole burst: with 200 producers the p50
/// deliver latency was 19-29 ms aligned against 1.2-2.6 ms phased (BENCHMARKS.md). Real
/// producers are not synchronised.
std::chrono::microseconds first_tick_phase(std::chrono::milliseconds batch_interval,
                                           std::mt19937_64& rng);

/// The publish timestamp at the start of an event's data; false when there is none.
bool read_publish_ns(std::string_view data, std::uint64_t& out) noexcept;

}  // namespace sse::load
