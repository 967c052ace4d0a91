#pragma once
// Every chaos scenario is repeatable from one seed (a failure found once can be replayed):
// SSE_CHAOS_SEED when set, else a fixed default derived from the test's name, so CI replays the
// same plans every run. The seed is printed, recorded as the gtest property "seed", and attached to
// every failure of the test (gtest trace). Timing still varies between runs; the plans (cut points,
// priorities, sizes, node choices) do not.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>

namespace sse::test {

/// Create as a member of the test fixture or a local of the test body.
class chaos_seed {
 public:
  chaos_seed();
  std::uint64_t value() const noexcept { return seed_; }
  /// An engine for one actor of the scenario (a subscriber, a producer): derived from the seed
  /// and the actor's number, so actors draw independently of the order threads run in.
  std::mt19937_64 engine(std::uint64_t actor) const;

 private:
  static std::uint64_t initial_seed();
  std::uint64_t seed_;
  ::testing::ScopedTrace trace_;
};

/// Uniform integer in [lo, hi].
std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi);
/// True with probability p.
bool chance(std::mt19937_64& rng, double p);

}  // namespace sse::test
