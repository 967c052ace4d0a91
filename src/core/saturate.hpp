#pragma once
// Time arithmetic that clamps instead of overflowing. Inputs from clients reach time values (a
// JWT `exp` of year 9999, a long TTL): std::chrono's nanosecond time_points end in 2262, and
// going past that is signed overflow (undefined behaviour, in practice a time in the past that
// expires at once). Clamped, "far in the future" stays far in the future. Pure, no I/O.

#include <chrono>
#include <cstdint>
#include <limits>
#include <ratio>
#include <type_traits>

namespace sse::core {

/// a + b, clamped to [INT64_MIN, INT64_MAX].
constexpr std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return out;
}

/// duration_cast<To>(d) for integer durations, clamped to To::min()/To::max() where the exact
/// value does not fit (a cast to finer ticks multiplies).
template <class To, class Rep, class Period>
constexpr To saturating_duration_cast(std::chrono::duration<Rep, Period> d) noexcept {
  static_assert(std::is_integral_v<Rep> && std::is_integral_v<typename To::rep>);
  using ratio = std::ratio_divide<Period, typename To::period>;
  using common = std::common_type_t<Rep, typename To::rep, std::intmax_t>;
  constexpr common limit =
      static_cast<common>(std::numeric_limits<typename To::rep>::max()) / ratio::num;
  if (static_cast<common>(d.count()) > limit) {
    return To::max();
  }
  if (static_cast<common>(d.count()) < -limit) {
    return To::min();
  }
  return std::chrono::duration_cast<To>(d);
}

/// t + d, clamped to the time_point's range. A d at or beyond the range of the time_point's
/// duration gives max() or min() whatever t is (t is a clock reading, far from either end).
template <class Clock, class Dur, class Rep, class Period>
constexpr std::chrono::time_point<Clock, Dur> saturating_add(
    std::chrono::time_point<Clock, Dur> t, std::chrono::duration<Rep, Period> d) noexcept {
  using point = std::chrono::time_point<Clock, Dur>;
  const Dur step = saturating_duration_cast<Dur>(d);
  if (step == Dur::max() || step == Dur::min()) {
    return step == Dur::max() ? point::max() : point::min();
  }
  typename Dur::rep out{};
  if (__builtin_add_overflow(t.time_since_epoch().count(), step.count(), &out)) {
    return step.count() > 0 ? point::max() : point::min();
  }
  return point(Dur(out));
}

/// The system time `unix_seconds` after the Unix epoch, clamped to what a time_point holds
/// (about years 1678 to 2262 with nanosecond ticks).
constexpr std::chrono::system_clock::time_point from_unix_seconds(
    std::int64_t unix_seconds) noexcept {
  return saturating_add(std::chrono::system_clock::time_point{},
                        std::chrono::seconds(unix_seconds));
}

}  // namespace sse::core
