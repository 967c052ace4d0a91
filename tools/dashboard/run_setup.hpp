#pragma once
// The store and the load a gate run measured. Runs on different stores or under different
// loads do not belong on one trend line: a p95 with Redis under 400 events/s says nothing
// about one with the memory store under 100. Pure.

#include <string>

#include "dashboard/run_record.hpp"

namespace sse::dashboard {

struct run_setup {
  /// "memory" or "redis" (configuration.store), "nchan" for --target-kind nchan, "unknown
  /// store" when the summary does not say.
  std::string store;
  /// "8 streams, 40 subscribers, 400 events/s, 3 s" from configuration streams, subscribers,
  /// rate and duration_s, leaving out what the summary does not hold; "unknown load" if none.
  std::string load;

  friend bool operator==(const run_setup&, const run_setup&) = default;
};

run_setup setup_of(const run_summary& s);

/// "memory store, 8 streams, 40 subscribers, 400 events/s, 3 s".
std::string setup_text(const run_setup& setup);

}  // namespace sse::dashboard
