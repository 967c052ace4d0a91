#pragma once
// The trimming rule of the spec, written independently of the gateway, as the oracle for what a
// (re)subscription must deliver: on each append the events are added, then while the buffer
// holds more than `limit` events (or more than `max_bytes`), the lowest-priority event, oldest
// first, is evicted (the end event never is).

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "gateway_test.hpp"

namespace sse::test {

class buffer_model {
 public:
  buffer_model(std::size_t limit, std::size_t max_bytes = SIZE_MAX)
      : limit_(limit), max_bytes_(max_bytes) {}

  /// One append (single event or batch) of events with these priorities and sizes
  /// (type + data bytes). Returns the seqs it evicted, in eviction order.
  std::vector<std::uint64_t> append(const std::vector<int>& priorities,
                                    const std::vector<std::size_t>& sizes = {});
  /// Appends the end event (never evicted; it counts towards the limits).
  std::vector<std::uint64_t> append_end();

  std::uint64_t last_seq() const noexcept { return last_seq_; }
  std::size_t buffered() const noexcept { return buffered_.size(); }
  std::uint64_t first_buffered() const noexcept {
    return buffered_.empty() ? 0 : buffered_.begin()->first;
  }
  const std::vector<std::uint64_t>& trimmed() const noexcept { return trimmed_; }
  bool is_trimmed(std::uint64_t seq) const { return seq <= last_seq_ && !buffered_.count(seq); }

  /// What a subscription with resume point `after` (same epoch, 0..last_seq) receives from the
  /// buffer: buffered events in order with a gap for every run of missing seqs. The end event,
  /// if any, is the last item.
  std::vector<expected_item> replay_after(std::uint64_t after) const;

 private:
  struct entry {
    int priority;
    std::size_t size;
    bool is_end;
  };
  std::vector<std::uint64_t> trim();

  std::size_t limit_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t last_seq_ = 0;
  std::uint64_t end_seq_ = 0;
  std::map<std::uint64_t, entry> buffered_;
  std::vector<std::uint64_t> trimmed_;
};

}  // namespace sse::test
