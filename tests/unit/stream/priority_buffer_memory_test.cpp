// What a stream buffer costs on the heap: most streams hold a few events, so the fixed cost of a
// buffer is paid once per stream (tens of thousands of streams on the memory store).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "heap_counter.hpp"
#include "stream/priority_buffer.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

stored_event ev(seq_t seq, int priority) {
  stored_event e;
  e.seq = seq;
  e.priority = priority;
  e.size_bytes = 40;
  e.frame = std::make_shared<const std::string>(encode_event("ep0001", seq, "", "x"));
  return e;
}

TEST(priority_buffer_memory, empty_buffer_takes_no_heap_memory) {
  test::heap_counter counter;
  priority_buffer b(256, 1 << 20);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(counter.allocations(), 0u);
  EXPECT_EQ(counter.live_bytes(), 0);
}

TEST(priority_buffer_memory, one_event_costs_its_map_node_and_one_fifo_slot) {
  auto e = ev(1, default_priority);  // the frame is the store's, shared with subscribers
  test::heap_counter counter;
  priority_buffer b(256, 1 << 20);
  b.insert(std::move(e));
  ASSERT_EQ(b.size(), 1u);
  // A map node (~88 bytes) and a one-slot FIFO vector (~24): a per-priority deque would add
  // 4 x (64 + 512) bytes here.
  EXPECT_LE(counter.allocations(), 2u);
  EXPECT_LE(counter.live_bytes(), 160);
}

TEST(priority_buffer_memory, full_buffer_stays_bounded_under_steady_appends) {
  std::vector<trimmed_event> evicted;
  priority_buffer b(256, 1 << 20);
  test::heap_counter counter;
  for (seq_t s = 1; s <= 256; ++s) {
    b.push(ev(s, default_priority), evicted);
  }
  const auto at_full = counter.live_bytes();
  for (seq_t s = 257; s <= 256 * 20; ++s) {
    b.push(ev(s, default_priority), evicted);
    evicted.clear();
  }
  ASSERT_EQ(b.size(), 256u);
  // Evicted events are freed and the FIFO is compacted: the buffer does not grow with appends
  // beyond the FIFO's slack (at most about one more FIFO's worth of 8-byte slots).
  EXPECT_LE(counter.live_bytes(), at_full + static_cast<std::int64_t>(2 * 256 * 8 + 512));
}

}  // namespace
}  // namespace sse::stream
