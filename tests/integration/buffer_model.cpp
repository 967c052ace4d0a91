#include "buffer_model.hpp"

namespace sse::test {

std::vector<std::uint64_t> buffer_model::append(const std::vector<int>& priorities,
                                                const std::vector<std::size_t>& sizes) {
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    const std::size_t size = i < sizes.size() ? sizes[i] : 0;
    buffered_[++last_seq_] = entry{priorities[i], size, false};
    bytes_ += size;
  }
  return trim();
}

std::vector<std::uint64_t> buffer_model::append_end() {
  end_seq_ = ++last_seq_;
  buffered_[end_seq_] = entry{99, 0, true};
  return trim();
}

std::vector<std::uint64_t> buffer_model::trim() {
  std::vector<std::uint64_t> evicted;
  while (buffered_.size() > limit_ || bytes_ > max_bytes_) {
    // A plain scan is fine for an oracle: clarity over speed.
    auto victim = buffered_.end();
    for (auto it = buffered_.begin(); it != buffered_.end(); ++it) {
      if (!it->second.is_end &&
          (victim == buffered_.end() || it->second.priority < victim->second.priority)) {
        victim = it;
      }
    }
    if (victim == buffered_.end()) {
      break;
    }
    bytes_ -= victim->second.size;
    evicted.push_back(victim->first);
    trimmed_.push_back(victim->first);
    buffered_.erase(victim);
  }
  return evicted;
}

std::vector<expected_item> buffer_model::replay_after(std::uint64_t after) const {
  std::vector<expected_item> out;
  std::uint64_t next = after + 1;  // the first seq not yet accounted for
  for (auto it = buffered_.upper_bound(after); it != buffered_.end(); ++it) {
    if (it->first > next) {
      out.push_back({expected_item::kind::gap, it->first - 1, next, {}});
    }
    out.push_back({it->second.is_end ? expected_item::kind::end : expected_item::kind::event,
                   it->first,
                   0,
                   {}});
    next = it->first + 1;
  }
  if (next <= last_seq_) {
    out.push_back({expected_item::kind::gap, last_seq_, next, {}});  // trailing gap
  }
  return out;
}

}  // namespace sse::test
