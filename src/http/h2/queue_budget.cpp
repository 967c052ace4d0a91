#include "http/h2/queue_budget.hpp"

#include <algorithm>

namespace sse::http::h2 {

void queue_budget::hold(std::int32_t stream, std::size_t bytes, time_point now) {
  auto it = held_.find(stream);
  if (it == held_.end()) {
    if (bytes != 0) {
      held_.emplace(stream, held{bytes, now});
      total_ += bytes;
    }
    return;
  }
  total_ -= it->second.bytes;
  if (bytes == 0) {
    held_.erase(it);
    return;
  }
  if (bytes != it->second.bytes) {
    it->second.since = now;  // nghttp2 took some, or another write began
  }
  it->second.bytes = bytes;
  total_ += bytes;
}

std::vector<queue_budget::holder> queue_budget::over_limit(time_point now) const {
  std::vector<holder> out;
  if (!over()) {
    return out;
  }
  std::vector<holder> stalled;
  for (const auto& [stream, h] : held_) {
    if (now - h.since >= grace_) {
      stalled.push_back({stream, h.bytes});
    }
  }
  // Largest first; between equals, the newest stream (the highest id) first, so that the order
  // does not depend on the map's.
  std::sort(stalled.begin(), stalled.end(), [](const holder& a, const holder& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.stream > b.stream;
  });
  std::size_t left = total_;
  for (const auto& h : stalled) {
    if (left <= limit_) {
      break;
    }
    out.push_back(h);
    left -= h.bytes;
  }
  return out;
}

std::optional<queue_budget::time_point> queue_budget::next_stall(time_point now) const {
  if (!over()) {
    return std::nullopt;
  }
  std::optional<time_point> next;
  for (const auto& [stream, h] : held_) {
    const auto at = h.since + grace_;
    if (at > now && (!next || at < *next)) {
      next = at;
    }
  }
  return next;
}

}  // namespace sse::http::h2
