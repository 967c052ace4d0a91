#include "heap_counter.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace {

// Per thread, so that other threads' allocations (a test framework's, a store's) do not count.
thread_local std::size_t t_allocations = 0;
thread_local std::int64_t t_live = 0;

void* counted_alloc(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  ++t_allocations;
  t_live += static_cast<std::int64_t>(malloc_usable_size(p));
  return p;
}

void counted_free(void* p) noexcept {
  if (p != nullptr) {
    t_live -= static_cast<std::int64_t>(malloc_usable_size(p));
    std::free(p);
  }
}

}  // namespace

void* operator new(std::size_t n) {
  return counted_alloc(n);
}
void* operator new[](std::size_t n) {
  return counted_alloc(n);
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}

namespace sse::test {

heap_counter::heap_counter() noexcept : allocations0_(t_allocations), live0_(t_live) {}

heap_counter::~heap_counter() = default;

std::size_t heap_counter::allocations() const noexcept {
  return t_allocations - allocations0_;
}

std::int64_t heap_counter::live_bytes() const noexcept {
  return t_live - live0_;
}

}  // namespace sse::test
