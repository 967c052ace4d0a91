#include "core/epoch.hpp"

#include <random>

namespace sse::core {

std::string make_epoch() {
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out(8, 'a');
  for (auto& c : out) {
    c = alphabet[pick(rng)];
  }
  return out;
}

bool is_valid_epoch(std::string_view s) noexcept {
  if (s.size() < 6 || s.size() > 12) {
    return false;
  }
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace sse::core
