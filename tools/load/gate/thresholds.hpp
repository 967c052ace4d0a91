#pragma once
// The gate's thresholds, read from the checked-in gate file (tools/load/gate.json). Every key
// is documented in tools/load/SCHEMA.md and in the file's own "doc" object.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::load {

struct thresholds {
  // Fail-fast rules, checked per window (or, for the latency, as it happens).
  double window_min_resume_success_rate = 0.95;
  double window_max_trim_rate = 0.01;
  /// Create/append/end requests answered with an error or not at all, as a share of them.
  double window_max_append_error_rate = 0.01;
  std::uint64_t window_min_resume_attempts = 1;  ///< the success rule needs this many attempts
  double max_resume_latency_ms = 15000;
  // End-of-run rules.
  double run_min_resume_success_rate = 0.98;
  double run_max_p95_deliver_latency_ms = 500;
  std::uint64_t run_max_unannounced_losses = 0;
  std::uint64_t run_max_duplicates = 0;
  std::uint64_t run_max_reorders = 0;
  std::uint64_t run_min_resume_attempts = 1;  ///< a run that never resumed proves nothing
  std::uint64_t run_min_events_delivered = 1;
  // Floors as fractions of the configured load (gate.hpp, configured_load): a gateway that
  // refuses most appends, or delivers a trickle, fails even though it did something.
  double run_min_appended_fraction = 0.5;
  double run_min_delivered_fraction = 0.25;
  double run_min_resume_attempts_fraction = 0.25;
};

/// Parses a gate file: a JSON object with "schema_version": 1, any of the keys above, and an
/// optional "doc" object (ignored). Unknown keys, wrong types, negative counts and rates outside
/// [0, 1] are errors (errc::invalid_argument) with `message` saying which key.
result<thresholds> parse_thresholds(std::string_view json, std::string& message);

/// Reads and parses a gate file from disk.
result<thresholds> load_thresholds(const std::string& path, std::string& message);

}  // namespace sse::load
