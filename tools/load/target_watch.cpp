#include "load/target_watch.hpp"

namespace sse::load {

std::optional<std::string> target_watch::observe(std::chrono::nanoseconds now,
                                                 std::uint64_t accepted, std::uint64_t refused) {
  if (accepted != accepted_) {
    // Any accepted connect since the last look: the target is alive, whatever was refused.
    accepted_ = accepted;
    refused_ = refused;
    streak_ = false;
    return std::nullopt;
  }
  if (refused != refused_ && !streak_) {
    streak_ = true;
    streak_start_ = now;
    streak_refused_ = refused_;
  }
  refused_ = refused;
  if (!streak_) {
    return std::nullopt;
  }
  const std::uint64_t n = refused - streak_refused_;
  if (now - streak_start_ >= span_ && n >= min_refused_) {
    return "the target refuses every connection: " + std::to_string(n) + " connects refused in " +
           std::to_string(
               std::chrono::duration_cast<std::chrono::milliseconds>(now - streak_start_).count()) +
           " ms, none accepted";
  }
  return std::nullopt;
}

}  // namespace sse::load
