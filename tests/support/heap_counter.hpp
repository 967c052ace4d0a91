#pragma once
// Counts the heap memory this thread takes through operator new while a heap_counter is alive:
// for tests that hold a data structure to a memory budget (live bytes after building it).
//
// Only for test executables that list heap_counter.cpp among their own sources: that file
// replaces the global operator new and delete (pass-through to malloc/free) for the whole binary.
// Sizes are malloc_usable_size(), what the allocator really set aside, so that the figure is
// close to what the structure adds to the process's RSS (malloc's per-chunk header aside).

#include <cstddef>
#include <cstdint>

namespace sse::test {

class heap_counter {
 public:
  heap_counter() noexcept;
  ~heap_counter();
  heap_counter(const heap_counter&) = delete;
  heap_counter& operator=(const heap_counter&) = delete;

  /// Allocations made on this thread since construction.
  std::size_t allocations() const noexcept;
  /// Bytes allocated minus bytes freed on this thread since construction (frees of memory
  /// allocated before count too, so this can be negative).
  std::int64_t live_bytes() const noexcept;

 private:
  std::size_t allocations0_;
  std::int64_t live0_;
};

}  // namespace sse::test
