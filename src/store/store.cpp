#include "store/store.hpp"

namespace sse::store {

std::string_view to_string(stream_status s) noexcept {
  switch (s) {
    case stream_status::open: return "open";
    case stream_status::completed: return "completed";
    case stream_status::failed: return "failed";
    case stream_status::cancelled: return "cancelled";
  }
  return "open";
}

std::optional<stream_status> parse_stream_status(std::string_view s) noexcept {
  if (s == "completed") {
    return stream_status::completed;
  }
  if (s == "failed") {
    return stream_status::failed;
  }
  if (s == "cancelled") {
    return stream_status::cancelled;
  }
  return std::nullopt;
}

}  // namespace sse::store
