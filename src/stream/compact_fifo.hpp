#pragma once
// A FIFO that costs nothing until its first push: a vector and the index of its front.
//
// Why not std::deque: libstdc++'s deque allocates its map and a 512-byte block when it is
// constructed, even if it stays empty. A stream buffer keeps one FIFO per priority, and most
// streams hold a handful of events of one priority, so four deques were most of a small
// stream's memory.
//
// pop_front() is O(1). The consumed front is cut off once it is at least half of the vector (and
// at least compact_min entries), so the vector holds at most about twice the live entries and
// each entry is moved O(1) times amortized. An emptied FIFO keeps its capacity for the next push.
//
// Thread safety: none.

#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace sse::stream {

template <class T>
class compact_fifo {
 public:
  /// Below this many consumed entries the front is never cut (cutting a few costs more than it
  /// frees).
  static constexpr std::size_t compact_min = 32;

  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }
  /// Entries the vector has room for (live, consumed and spare); for tests and accounting.
  std::size_t capacity() const noexcept { return items_.capacity(); }

  /// Precondition: !empty().
  T& front() noexcept {
    assert(!empty());
    return items_[head_];
  }

  void push_back(T value) { items_.push_back(std::move(value)); }

  /// Precondition: !empty().
  void pop_front() noexcept {
    assert(!empty());
    ++head_;
    if (head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= compact_min && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;  // items_[0, head_) are consumed
};

}  // namespace sse::stream
