#include "seeded_rng.hpp"

#include <cstdlib>
#include <iostream>

namespace sse::test {
namespace {

std::string seed_message(std::uint64_t seed) {
  return "random seed " + std::to_string(seed) +
         " (repeat with SSE_TEST_SEED=" + std::to_string(seed) + ")";
}

std::uint64_t announce(std::uint64_t seed) {
  std::cout << "[ seed     ] " << seed_message(seed) << std::endl;
  if (::testing::UnitTest::GetInstance()->current_test_info() != nullptr) {
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
  }
  return seed;
}

}  // namespace

std::uint64_t seeded_rng::initial_seed() {
  if (const char* env = std::getenv("SSE_TEST_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

seeded_rng::seeded_rng() : seeded_rng(initial_seed()) {}

seeded_rng::seeded_rng(std::uint64_t seed)
    : seed_(announce(seed)), engine_(seed), trace_(__FILE__, __LINE__, seed_message(seed)) {}

std::int64_t seeded_rng::uniform(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(engine_);
}

bool seeded_rng::chance(double p) {
  return std::bernoulli_distribution(p)(engine_);
}

}  // namespace sse::test
