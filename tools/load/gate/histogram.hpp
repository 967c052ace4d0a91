#pragma once
// A fixed-size log-linear histogram of latencies in microseconds, mergeable across threads and
// windows. Pure: no I/O, no clock.

#include <array>
#include <cstddef>
#include <cstdint>

namespace sse::load {

/// Values below 256 us are kept exactly; above, every power of two is split into 128 buckets, so
/// a reported percentile is at most 0.8% below the true value. Values above ~2^40 us (12 days)
/// are clamped. 37 KiB per histogram: keep a few per thread, not one per connection.
class latency_histogram {
 public:
  void record(std::uint64_t micros) noexcept;
  void merge(const latency_histogram& other) noexcept;
  void clear() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  /// Exact largest recorded value; 0 when empty.
  std::uint64_t max() const noexcept { return max_; }
  /// Nearest-rank percentile (p in (0, 100]): the lower bound of the bucket holding the
  /// ceil(p/100 * count)-th smallest value, which is the exact value whenever that value is
  /// representable (every value below 256, and v whose bits below the top 8 are zero).
  /// 0 when empty.
  std::uint64_t percentile(double p) const noexcept;

  static std::size_t bucket_of(std::uint64_t micros) noexcept;
  static std::uint64_t lower_bound_of(std::size_t bucket) noexcept;

 private:
  static constexpr std::size_t exact_buckets = 256;
  static constexpr std::size_t sub_buckets = 128;
  static constexpr std::size_t max_bit = 40;
  static constexpr std::size_t bucket_count = exact_buckets + (max_bit - 8 + 1) * sub_buckets;

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace sse::load
