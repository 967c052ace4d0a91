#include "stream/compact_fifo.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

namespace sse::stream {
namespace {

TEST(compact_fifo, new_fifo_holds_no_memory) {
  compact_fifo<int> f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.size(), 0u);
  EXPECT_EQ(f.capacity(), 0u);
}

TEST(compact_fifo, first_in_first_out) {
  compact_fifo<std::string> f;
  for (int i = 0; i < 5; ++i) {
    f.push_back(std::to_string(i));
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f.front(), std::to_string(i));
    f.pop_front();
  }
  EXPECT_TRUE(f.empty());
}

TEST(compact_fifo, steady_push_pop_stays_within_twice_the_live_entries) {
  // A full stream buffer: every push evicts one. The vector must not grow with the pushes.
  compact_fifo<std::size_t> f;
  constexpr std::size_t live = 256;
  for (std::size_t i = 0; i < live; ++i) {
    f.push_back(i);
  }
  std::size_t expected_front = 0;
  for (std::size_t i = live; i < 100 * live; ++i) {
    f.push_back(i);
    ASSERT_EQ(f.front(), expected_front);
    f.pop_front();
    ++expected_front;
    ASSERT_EQ(f.size(), live);
  }
  EXPECT_LE(f.capacity(), 2 * live + compact_fifo<std::size_t>::compact_min);
}

TEST(compact_fifo, emptied_fifo_keeps_order_when_refilled) {
  compact_fifo<int> f;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 100; ++i) {
      f.push_back(round * 1000 + i);
    }
    for (int i = 0; i < 100; ++i) {
      ASSERT_EQ(f.front(), round * 1000 + i);
      f.pop_front();
    }
    EXPECT_TRUE(f.empty());
  }
}

}  // namespace
}  // namespace sse::stream
