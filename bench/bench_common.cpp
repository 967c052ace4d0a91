#include "bench_common.hpp"

#include <random>

#include "stream/sse_encoder.hpp"

namespace sse::bench {

const std::vector<int>& priority_mix() {
  static const std::vector<int> mix = [] {
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> pct(0, 99);
    std::vector<int> v(65536);
    for (auto& p : v) {
      int r = pct(rng);
      p = r < 85 ? 1 : (r < 97 ? 0 : 3);  // 85 % p1, 12 % p0, 3 % p3
    }
    return v;
  }();
  return mix;
}

std::string token_payload(std::size_t size) {
  std::string out = "{\"choices\":[{\"delta\":{\"content\":\"";
  static constexpr std::string_view words = "the quick brown fox jumps over a lazy dog ";
  while (out.size() + 5 < size) {
    out.push_back(words[out.size() % words.size()]);
  }
  out.append("\"}}]}");
  return out;
}

stream::stored_event sample_event(seq_t seq, int priority) {
  static const std::string payload = token_payload(96);
  return stream::make_stored_event("ep0001", seq, stream::new_event{"delta", payload, priority});
}

}  // namespace sse::bench
