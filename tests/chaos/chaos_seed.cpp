#include "chaos_seed.hpp"

#include <cstdlib>
#include <iostream>
#include <string>

namespace sse::test {
namespace {

std::string seed_message(std::uint64_t seed) {
  return "chaos seed " + std::to_string(seed) +
         " (repeat with SSE_CHAOS_SEED=" + std::to_string(seed) + ")";
}

// FNV-1a: stable across builds and platforms, unlike std::hash.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finaliser: nearby actor numbers give unrelated engines.
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t chaos_seed::initial_seed() {
  if (const char* env = std::getenv("SSE_CHAOS_SEED"); env != nullptr && *env != '\0') {
    return std::strtoull(env, nullptr, 10);
  }
  std::string name = "chaos";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    name = std::string(info->test_suite_name()) + "." + info->name();
  }
  // Kept below 2^53 so that it prints the same everywhere (JSON readers, spreadsheets).
  return fnv1a(name) % (std::uint64_t{1} << 53);
}

chaos_seed::chaos_seed() : seed_(initial_seed()), trace_(__FILE__, __LINE__, seed_message(seed_)) {
  std::cout << "[ seed     ] " << seed_message(seed_) << std::endl;
  if (::testing::UnitTest::GetInstance()->current_test_info() != nullptr) {
    ::testing::Test::RecordProperty("seed", std::to_string(seed_));
  }
}

std::mt19937_64 chaos_seed::engine(std::uint64_t actor) const {
  return std::mt19937_64(mix(seed_ ^ mix(actor)));
}

std::int64_t uniform(std::mt19937_64& rng, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
}

bool chance(std::mt19937_64& rng, double p) {
  return std::bernoulli_distribution(p)(rng);
}

}  // namespace sse::test
