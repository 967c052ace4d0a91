#pragma once
// A gauge of things open (connections, HTTP/2 streams) held for the life of one of them.

#include <atomic>
#include <cstdint>

namespace sse::http {

class open_gauge {
 public:
  explicit open_gauge(std::atomic<std::int64_t>& g) : g_(g) {
    g_.fetch_add(1, std::memory_order_relaxed);
  }
  ~open_gauge() { g_.fetch_sub(1, std::memory_order_relaxed); }
  open_gauge(const open_gauge&) = delete;
  open_gauge& operator=(const open_gauge&) = delete;

 private:
  std::atomic<std::int64_t>& g_;
};

}  // namespace sse::http
