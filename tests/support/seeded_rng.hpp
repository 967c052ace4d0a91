#pragma once
// Randomised tests are repeatable: the seed comes from SSE_TEST_SEED when set, is printed, is
// recorded as the gtest property "seed", and is attached to every failure message of the scope.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace sse::test {

/// Create as a local variable inside a test body (its gtest trace is scoped to it).
class seeded_rng {
 public:
  seeded_rng();
  explicit seeded_rng(std::uint64_t seed);

  std::uint64_t seed() const noexcept { return seed_; }
  std::mt19937_64& engine() noexcept { return engine_; }
  /// Uniform integer in [lo, hi].
  std::int64_t uniform(std::int64_t lo, std::int64_t hi);
  /// True with probability p.
  bool chance(double p);

 private:
  static std::uint64_t initial_seed();
  std::uint64_t seed_;
  std::mt19937_64 engine_;
  ::testing::ScopedTrace trace_;
};

}  // namespace sse::test
