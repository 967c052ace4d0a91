#include "heap_counter.hpp"

#include <malloc.h>

#include <algorithm>
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

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  const auto align = std::max(static_cast<std::size_t>(al), sizeof(void*));
  void* p = nullptr;
  if (posix_memalign(&p, align, n == 0 ? 1 : n) != 0) {
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

// Every replaceable form, not only the plain ones: a form left out would come from the C++
// runtime (or a sanitizer's), and memory it hands out would be freed here (or the other way
// round), which AddressSanitizer reports as an alloc-dealloc mismatch.
void* operator new(std::size_t n) {
  return counted_alloc(n);
}
void* operator new[](std::size_t n) {
  return counted_alloc(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return operator new(n, tag);
}
void* operator new(std::size_t n, std::align_val_t al) {
  return counted_aligned_alloc(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al) {
  return counted_aligned_alloc(n, al);
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  try {
    return counted_aligned_alloc(n, al);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t& tag) noexcept {
  return operator new(n, al, tag);
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
void operator delete(void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
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
