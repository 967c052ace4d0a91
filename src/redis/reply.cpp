#include "redis/reply.hpp"

#include <charconv>

namespace sse::redis {

std::optional<long long> reply::to_int() const noexcept {
  if (type == reply_type::integer) {
    return integer;
  }
  if (type != reply_type::string && type != reply_type::status) {
    return std::nullopt;
  }
  long long v = 0;
  const char* first = str.data();
  const char* last = str.data() + str.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc{} || ptr != last || first == last) {
    return std::nullopt;
  }
  return v;
}

bool reply::error_starts_with(std::string_view prefix) const noexcept {
  return type == reply_type::error && std::string_view(str).substr(0, prefix.size()) == prefix;
}

bool is_ping_answer(const reply& r, bool subscriber_mode) noexcept {
  if (r.type == reply_type::status) {
    return r.str == "PONG";
  }
  return subscriber_mode && r.is_array() && r.elements.size() == 2 && r.elements[0].is_string() &&
         r.elements[0].str == "pong" && r.elements[1].is_string() && r.elements[1].str.empty();
}

std::string to_debug_string(const reply& r) {
  switch (r.type) {
    case reply_type::nil:
      return "(nil)";
    case reply_type::integer:
      return "(integer) " + std::to_string(r.integer);
    case reply_type::string:
      return "\"" + r.str + "\"";
    case reply_type::status:
      return "+" + r.str;
    case reply_type::error:
      return "(error) " + r.str;
    case reply_type::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < r.elements.size(); ++i) {
        if (i > 0) {
          out += ", ";
        }
        out += to_debug_string(r.elements[i]);
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace sse::redis
