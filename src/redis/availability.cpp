#include "redis/availability.hpp"

namespace sse::redis {

void availability::set_handler(std::function<void(bool)> handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void availability::report(std::size_t i, bool up) {
  std::lock_guard lock(mu_);
  if (i >= up_.size() || up_[i] == up) {
    return;
  }
  up_[i] = up;
  up_count_ = up ? up_count_ + 1 : up_count_ - 1;
  bool now = up_count_ == up_.size();
  if (now == reported_) {
    return;
  }
  reported_ = now;
  // Under the lock, so that handlers see transitions in the order they happened.
  if (handler_) {
    handler_(now);
  }
}

bool availability::all_up() const {
  std::lock_guard lock(mu_);
  return up_count_ == up_.size();
}

}  // namespace sse::redis
