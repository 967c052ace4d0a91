#include "auth/limits.hpp"

#include <algorithm>
#include <cmath>

namespace sse::auth {

bool counted_keys::try_acquire(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& n = counts_[key];
  if (max_ != 0 && n >= max_) {
    if (n == 0) {
      counts_.erase(key);
    }
    return false;
  }
  ++n;
  return true;
}

void counted_keys::release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    return;
  }
  if (--it->second == 0) {
    counts_.erase(it);
  }
}

std::size_t counted_keys::count(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

std::optional<std::chrono::seconds> rate_limiter::try_take(const std::string& key,
                                                           clock::time_point now) {
  if (rate_ <= 0) {
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  if (++takes_since_prune_ >= 1024) {
    prune(now);
  }
  auto [it, fresh] = buckets_.try_emplace(key, bucket{burst_, now});
  bucket& b = it->second;
  if (!fresh && now > b.at) {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - b.tokens) / rate_;
  return std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait))));
}

std::size_t rate_limiter::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void rate_limiter::prune(clock::time_point now) {
  takes_since_prune_ = 0;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.at).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) {
      it = buckets_.erase(it);  // full again: the same as a fresh bucket
    } else {
      ++it;
    }
  }
}

}  // namespace sse::auth
