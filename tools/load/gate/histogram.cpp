#include "load/gate/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sse::load {

std::size_t latency_histogram::bucket_of(std::uint64_t micros) noexcept {
  if (micros < exact_buckets) {
    return static_cast<std::size_t>(micros);
  }
  const std::uint64_t cap = (std::uint64_t{1} << (max_bit + 1)) - 1;
  const std::uint64_t v = std::min(micros, cap);
  const auto msb = static_cast<std::size_t>(std::bit_width(v) - 1);  // >= 8
  const std::size_t shift = msb - 7;
  const auto sub = static_cast<std::size_t>(v >> shift);  // in [128, 256)
  return exact_buckets + (msb - 8) * sub_buckets + (sub - sub_buckets);
}

std::uint64_t latency_histogram::lower_bound_of(std::size_t bucket) noexcept {
  if (bucket < exact_buckets) {
    return bucket;
  }
  const std::size_t rel = bucket - exact_buckets;
  const std::size_t msb = rel / sub_buckets + 8;
  const std::uint64_t sub = rel % sub_buckets + sub_buckets;
  return sub << (msb - 7);
}

void latency_histogram::record(std::uint64_t micros) noexcept {
  ++counts_[bucket_of(micros)];
  ++count_;
  max_ = std::max(max_, micros);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  if (other.count_ == 0) {
    return;
  }
  for (std::size_t i = 0; i < bucket_count; ++i) {
    counts_[i] += other.counts_[i];
  }
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

void latency_histogram::clear() noexcept {
  counts_.fill(0);
  count_ = 0;
  max_ = 0;
}

std::uint64_t latency_histogram::percentile(double p) const noexcept {
  if (count_ == 0) {
    return 0;
  }
  const double clamped = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(clamped / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::min(lower_bound_of(i), max_);
    }
  }
  return max_;
}

}  // namespace sse::load
