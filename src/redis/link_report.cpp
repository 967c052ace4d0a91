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
    std::string text = address + ": " + reason;
    if (text == last_) {
      return;
    }
    last_ = std::move(text);
    h = handler_;
  }
  if (h) {
    h(address, reason);  // outside the lock: the handler logs
  }
}

void link_report::connected() {
  std::lock_guard lock(mu_);
  last_.clear();
}

std::string link_report::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

}  // namespace sse::redis
