#pragma once
// The bounded per-stream event buffer: keeps the most important events when a stream outruns its
// limits. Events older than the latest checkpoint go first, oldest first: they are
// superseded, no subscriber is served them unless it asks for the full history. Then victims
// are chosen by priority, then age (lowest priority first, oldest first); the stream's end event
// is never a victim.
//
// Layout (the Redis store mirrors the idea with a sorted set): events live in an ordered map
// seq -> event, and beside them one FIFO per priority holding map iterators. Events are pushed in
// seq order, so each FIFO is sorted by seq and its front is the oldest event of that priority:
// picking and removing a victim is O(1) + O(1) amortized map erase by iterator, and touches no
// other event. Pushing is amortized O(1) (the map insert is hinted at the end). The FIFOs
// allocate nothing until used (compact_fifo): an empty buffer costs no heap memory, and a buffer
// of one event one map node plus one FIFO slot.
//
// Thread safety: none; the owner (a store) serializes access.

#include <array>
#include <cstddef>
#include <map>
#include <vector>

#include "core/types.hpp"
#include "stream/compact_fifo.hpp"
#include "stream/event.hpp"

namespace sse::stream {

class priority_buffer {
 public:
  priority_buffer(std::size_t max_events, std::size_t max_bytes);

  /// Adds e, then trims until the buffer fits its limits (see trim()).
  /// Precondition: e.seq is greater than the seq of every event pushed before.
  void push(stored_event e, std::vector<trimmed_event>& evicted);

  /// Adds e without trimming, e.g. to add a whole batch before trimming once, or the end event.
  /// An e.is_checkpoint event becomes the latest checkpoint. Precondition as push(). O(1)
  /// amortized.
  void insert(stored_event e);

  /// While count > max_events or bytes > max_bytes, evicts the oldest event older than the
  /// latest checkpoint (superseded), and when there is none the lowest-priority event, oldest
  /// first; never an is_end event. Appends each victim to `evicted` in eviction order. Stops
  /// when only the end event is left. O(log n) per victim at worst, nothing per survivor.
  void trim(std::vector<trimmed_event>& evicted);

  /// New limits, applied by the next push() or trim().
  void set_limits(std::size_t max_events, std::size_t max_bytes) noexcept;

  std::size_t size() const noexcept { return events_.size(); }
  bool empty() const noexcept { return events_.empty(); }
  /// Sum of size_bytes of the buffered events.
  std::size_t bytes() const noexcept { return bytes_; }
  /// Lowest buffered seq; 0 when empty.
  seq_t first_seq() const noexcept { return events_.empty() ? 0 : events_.begin()->first; }
  /// Highest buffered seq; 0 when empty.
  seq_t last_seq() const noexcept { return events_.empty() ? 0 : events_.rbegin()->first; }
  std::size_t max_events() const noexcept { return max_events_; }
  std::size_t max_bytes() const noexcept { return max_bytes_; }
  /// Seq of the latest checkpoint inserted (it may have been evicted since); 0 when none.
  seq_t checkpoint_seq() const noexcept { return checkpoint_seq_; }

  /// The buffered event with this seq, or nullptr. O(log n).
  const stored_event* find(seq_t seq) const;

  /// Copies of the buffered events with seq > after, ascending (frames are shared, not copied).
  /// O(log n + k).
  std::vector<stored_event> copy_after(seq_t after) const;

  /// Calls f(const stored_event&) for each buffered event with seq > after, ascending.
  template <class F>
  void for_each_after(seq_t after, F&& f) const {
    for (auto it = events_.upper_bound(after); it != events_.end(); ++it) {
      f(it->second);
    }
  }

 private:
  using event_map = std::map<seq_t, stored_event>;

  bool over_limits() const noexcept { return events_.size() > max_events_ || bytes_ > max_bytes_; }
  /// Evicts the oldest event if a checkpoint supersedes it. False: nothing is superseded.
  bool evict_superseded(std::vector<trimmed_event>& evicted);
  /// Evicts the lowest-priority event, oldest first. False: only the end event is left.
  bool evict_by_priority(std::vector<trimmed_event>& evicted);
  void evict(compact_fifo<event_map::iterator>& fifo, std::vector<trimmed_event>& evicted);

  std::size_t max_events_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  seq_t checkpoint_seq_ = 0;
  event_map events_;
  // fifos_[p]: iterators to the evictable events of priority p, oldest first. The end event is in
  // none of them, which is what makes it unevictable.
  std::array<compact_fifo<event_map::iterator>, max_priority + 1> fifos_;
};

}  // namespace sse::stream
