#pragma once
// Per-node limits that need shared counting across workers: connections per client IP, the append
// token bucket per IP, and subscribers per stream. Pure (time is passed in) and thread-safe: each
// table has one mutex, held only for a map update, never across I/O.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sse::auth {

/// Counts holders per key up to a maximum (0: unlimited). Keys with no holder are forgotten, so
/// the table's size is bounded by the live holders.
class counted_keys {
 public:
  explicit counted_keys(std::size_t max) : max_(max) {}
  /// False when `key` already has max holders (nothing counted then).
  bool try_acquire(const std::string& key);
  void release(const std::string& key);
  std::size_t count(const std::string& key) const;

 private:
  std::size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::size_t> counts_;
};

/// One token bucket per key: `rate` tokens per second, at most `burst` saved up. Idle buckets
/// (full again) are dropped lazily so that the table does not grow with every address seen.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;
  /// rate 0: unlimited.
  rate_limiter(double rate, double burst) : rate_(rate), burst_(burst < 1 ? 1 : burst) {}
  /// Takes one token. nullopt: allowed; otherwise how long until a token is there (at least
  /// 1 s as Retry-After counts in seconds).
  std::optional<std::chrono::seconds> try_take(const std::string& key, clock::time_point now);
  std::size_t tracked() const;

 private:
  struct bucket {
    double tokens;
    clock::time_point at;
  };
  void prune(clock::time_point now);

  double rate_;
  double burst_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, bucket> buckets_;
  std::size_t takes_since_prune_ = 0;
};

/// RAII holder of one counted key.
class counted_hold {
 public:
  counted_hold() = default;
  counted_hold(counted_keys* keys, std::string key) : keys_(keys), key_(std::move(key)) {}
  ~counted_hold() { reset(); }
  counted_hold(counted_hold&& o) noexcept : keys_(o.keys_), key_(std::move(o.key_)) {
    o.keys_ = nullptr;
  }
  counted_hold& operator=(counted_hold&& o) noexcept {
    if (this != &o) {
      reset();
      keys_ = o.keys_;
      key_ = std::move(o.key_);
      o.keys_ = nullptr;
    }
    return *this;
  }
  counted_hold(const counted_hold&) = delete;
  counted_hold& operator=(const counted_hold&) = delete;
  void reset() {
    if (keys_ != nullptr) {
      keys_->release(key_);
      keys_ = nullptr;
    }
  }

 private:
  counted_keys* keys_ = nullptr;
  std::string key_;
};

}  // namespace sse::auth

namespace sse::auth {

/// The shared limit tables of one node (built by app::gateway from the config).
struct node_limits {
  node_limits(std::size_t per_ip, std::size_t append_rate, std::size_t append_burst,
              std::size_t per_stream)
      : connections_per_ip(per_ip),
        appends(static_cast<double>(append_rate), static_cast<double>(append_burst)),
        subscribers(per_stream) {}
  counted_keys connections_per_ip;
  rate_limiter appends;
  counted_keys subscribers;
};

}  // namespace sse::auth
