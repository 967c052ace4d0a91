#pragma once
// Test-only fault injection, so the performance gate's own tests can show that failing resumes
// fail the gate: during a window of the gateway's run time, subscribes that carry a resume point
// are refused (503) or held before they are served. Off by default; `--fault-resume` turns it on.
// Never use it in production.

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::config {

struct resume_fault {
  enum class action { none, refuse, delay };
  action what = action::none;
  std::chrono::milliseconds delay{0};  ///< how long a resume is held (action::delay)
  std::chrono::milliseconds after{0};  ///< the window starts this long after the gateway starts
  std::chrono::milliseconds span{0};   ///< and lasts this long

  bool operator==(const resume_fault&) const = default;
  bool enabled() const noexcept { return what != action::none; }
  /// Whether a resume `since_start` after the gateway started falls in the window.
  bool active_at(std::chrono::milliseconds since_start) const noexcept {
    return enabled() && since_start >= after && since_start < after + span;
  }
};

/// Parses "refuse,after=D,for=D" or "delay=D,after=D,for=D" (D a duration as in
/// parse_duration; `after` defaults to 0s, `for` is required and > 0, keys in any order after
/// the action) and "" or "none" for off. Errors: errc::invalid_argument.
result<resume_fault> parse_fault_resume(std::string_view text);

/// The same syntax: parse_fault_resume(format_fault_resume(f)) == f. "" when off.
std::string format_fault_resume(const resume_fault& f);

}  // namespace sse::config
