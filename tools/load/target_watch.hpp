#pragma once
// Notices a target that stops accepting connections altogether (its process gone, or its
// listener closed), so that the run ends at once as a setup error instead of failing windows
// for the rest of --duration. Pure: fed the run-wide connect counters on each controller tick.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sse::load {

class target_watch {
 public:
  /// Fires once `min_refused` connects were refused over at least `span` with none accepted.
  explicit target_watch(std::chrono::milliseconds span = std::chrono::seconds(2),
                        std::uint64_t min_refused = 3) noexcept
      : span_(span), min_refused_(min_refused) {}

  /// `accepted` and `refused` are totals since the start (they only grow). Returns the
  /// message when the target counts as gone.
  std::optional<std::string> observe(std::chrono::nanoseconds now, std::uint64_t accepted,
                                     std::uint64_t refused);

 private:
  std::chrono::milliseconds span_;
  std::uint64_t min_refused_;
  std::uint64_t accepted_ = 0;
  std::uint64_t refused_ = 0;
  bool streak_ = false;  ///< refusals since the last accepted connect
  std::chrono::nanoseconds streak_start_{0};
  std::uint64_t streak_refused_ = 0;  ///< refused total when the streak began
};

}  // namespace sse::load
