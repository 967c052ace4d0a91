#include "core/stream_id.hpp"

namespace sse::core {
namespace {

bool is_token_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool all_token_chars(std::string_view s, std::size_t max_len) noexcept {
  if (s.empty() || s.size() > max_len) {
    return false;
  }
  for (char c : s) {
    if (!is_token_char(c)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_valid_stream_id(std::string_view id) noexcept {
  return all_token_chars(id, max_stream_id_length);
}

bool is_valid_event_type(std::string_view type) noexcept { return all_token_chars(type, 64); }

}  // namespace sse::core
