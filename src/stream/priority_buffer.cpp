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
  if (e.is_checkpoint && !is_end) {
    checkpoint_seq_ = seq;
  }
  auto it = events_.emplace_hint(events_.end(), seq, std::move(e));
  if (!is_end) {
    fifos_[static_cast<std::size_t>(priority)].push_back(it);
  }
}

void priority_buffer::trim(std::vector<trimmed_event>& evicted) {
  while (over_limits()) {
    if (!evict_superseded(evicted) && !evict_by_priority(evicted)) {
      return;  // only the end event is left, and it stays
    }
  }
}

bool priority_buffer::evict_superseded(std::vector<trimmed_event>& evicted) {
  if (events_.empty() || events_.begin()->first >= checkpoint_seq_ ||
      events_.begin()->second.is_end) {
    return false;
  }
  // Each FIFO is sorted by seq, so the oldest buffered event (never the end event, which comes
  // after every checkpoint) is the front of its priority's FIFO: O(1) to find, no scan.
  const int priority = std::clamp(events_.begin()->second.priority, min_priority, max_priority);
  auto& fifo = fifos_[static_cast<std::size_t>(priority)];
  assert(!fifo.empty() && fifo.front() == events_.begin());
  evict(fifo, evicted);
  evicted.back().superseded = true;
  return true;
}

bool priority_buffer::evict_by_priority(std::vector<trimmed_event>& evicted) {
  auto fifo = std::find_if(fifos_.begin(), fifos_.end(), [](const auto& f) { return !f.empty(); });
  if (fifo == fifos_.end()) {
    return false;
  }
  evict(*fifo, evicted);
  return true;
}

void priority_buffer::evict(compact_fifo<event_map::iterator>& fifo,
                            std::vector<trimmed_event>& evicted) {
  auto victim = fifo.front();
  fifo.pop_front();
  const stored_event& e = victim->second;
  evicted.push_back(trimmed_event{e.seq, e.priority, e.size_bytes});
  bytes_ -= e.size_bytes;
  events_.erase(victim);
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
