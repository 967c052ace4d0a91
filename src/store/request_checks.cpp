#include "store/request_checks.hpp"

namespace sse::store {

result<void> check_append(const append_request& request) noexcept {
  if (request.events.empty()) {
    return errc::invalid_argument;
  }
  for (const auto& e : request.events) {
    if (e.priority < min_priority || e.priority > max_priority) {
      return errc::invalid_event;
    }
  }
  return {};
}

result<void> check_end(stream_status status) noexcept {
  if (status == stream_status::open) {
    return errc::invalid_argument;
  }
  return {};
}

}  // namespace sse::store
