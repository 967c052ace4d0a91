#include "redis/link_report.hpp"

#include <utility>

namespace sse::redis {

void link_report::set_handler(handler h) {
  std::lock_guard lock(mu_);
  handler_ = std::move(h);
}

void link_report::failed(const std::string& address, const std::string& reason) {
  handler h;
  {
    std::lock_guard lock(mu_);
    last_address_ = address;
    last_ = address + ": " + reason;
    std::string& known = reasons_[address];
    if (known == reason) {
      return;
    }
    known = reason;
    h = handler_;
  }
  if (h) {
    h(address, reason);  // outside the lock: the handler logs
  }
}

void link_report::connected(const std::string& address) {
  std::lock_guard lock(mu_);
  // Every reason is news again after a connect (the sentinels' own failure has no data address).
  reasons_.clear();
  if (last_address_ == address) {
    last_address_.clear();
    last_.clear();
  }
}

std::string link_report::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace sse::redis
