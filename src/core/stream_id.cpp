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

bool is_valid_event_type(std::string_view type) noexcept {
  return all_token_chars(type, 64);
}

bool is_relay_stream_id(std::string_view id) noexcept {
  return id.starts_with(relay_stream_prefix);
}

bool is_reserved_stream_id(std::string_view id) noexcept {
  return id.starts_with(relay_scope_prefix) || id.starts_with(durable_prefix);
}

bool is_valid_relay_key(std::string_view key) noexcept {
  return key.find('.') == std::string_view::npos && all_token_chars(key, max_stream_id_length);
}

std::size_t max_relay_key_length(std::string_view route) noexcept {
  const std::size_t fixed = relay_stream_prefix.size() + route.size() + 1;
  return fixed >= max_stream_id_length ? 0 : max_stream_id_length - fixed;
}

std::optional<std::string> relay_stream_id(std::string_view route, std::string_view key) {
  if (route.empty() || !is_valid_relay_key(key) || key.size() > max_relay_key_length(route)) {
    return std::nullopt;
  }
  std::string id(relay_stream_prefix);
  id += route;
  id += '.';
  id += key;
  return id;
}

std::optional<std::string_view> relay_route_of(std::string_view id) noexcept {
  if (!is_relay_stream_id(id)) {
    return std::nullopt;
  }
  const std::string_view rest = id.substr(relay_stream_prefix.size());
  const auto dot = rest.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) {
    return std::nullopt;
  }
  return rest.substr(0, dot);
}

}  // namespace sse::core
