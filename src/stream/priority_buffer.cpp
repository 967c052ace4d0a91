#include "stream/priority_buffer.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace sse::stream {

priority_buffer::priority_buffer(std::size_t max_events, std::size_t max_bytes)
    : max_events_(max_events), max_bytes_(max_bytes) {}

void priority_buffer::push(stored_event e, std::vector<trimmed_event>& evicted) {
  insert(std::move(e));
  trim(evicted);
}

void priority_buffer::insert(stored_event e) {
  const seq_t seq = e.seq;
  const bool is_end = e.is_end;
  assert(events_.empty() || seq > events_.rbegin()->first);
  // The HTTP layer validates priorities; clamping keeps a stray value from indexing out of range.
  const int priority = std::clamp(e.priority, min_priority, max_priority);
  bytes_ += e.size_bytes;
  auto it = events_.emplace_hint(events_.end(), seq, std::move(e));
  if (!is_end) {
    fifos_[static_cast<std::size_t>(priority)].push_back(it);
  }
}

void priority_buffer::trim(std::vector<trimmed_event>& evicted) {
  while (over_limits()) {
    auto fifo =
        std::find_if(fifos_.begin(), fifos_.end(), [](const auto& f) { return !f.empty(); });
    if (fifo == fifos_.end()) {
      return;  // only the end event is left, and it stays
    }
    auto victim = fifo->front();
    fifo->pop_front();
    const stored_event& e = victim->second;
    evicted.push_back(trimmed_event{e.seq, e.priority, e.size_bytes});
    bytes_ -= e.size_bytes;
    events_.erase(victim);
  }
}

void priority_buffer::set_limits(std::size_t max_events, std::size_t max_bytes) noexcept {
  max_events_ = max_events;
  max_bytes_ = max_bytes;
}

const stored_event* priority_buffer::find(seq_t seq) const {
  auto it = events_.find(seq);
  return it == events_.end() ? nullptr : &it->second;
}

std::vector<stored_event> priority_buffer::copy_after(seq_t after) const {
  std::vector<stored_event> out;
  for_each_after(after, [&](const stored_event& e) { out.push_back(e); });
  return out;
}

}  // namespace sse::stream
