// The query of a read: offset, live mode and cursor.
#include "durable/door_detail.hpp"

namespace sse::durable::detail {

std::optional<read_query> parse_read_query(std::string_view target, std::string& error) {
  read_query q;
  const auto qm = target.find('?');
  if (qm == std::string_view::npos) {
    return q;
  }
  auto params = parse_query(target.substr(qm + 1));
  if (!params) {
    error = "malformed query string";
    return std::nullopt;
  }
  for (auto& [key, value] : *params) {
    if (key == "offset") {
      if (q.offset_given) {
        error = "offset given more than once";
        return std::nullopt;
      }
      auto o = parse_offset(value);
      if (!o) {
        error = "malformed offset '" + value + "'";
        return std::nullopt;
      }
      q.offset = *o;
      q.offset_given = true;
    } else if (key == "live") {
      if (value != "long-poll" && value != "sse") {
        error = "live must be long-poll or sse, not '" + value + "'";
        return std::nullopt;
      }
      q.live = value;
    } else if (key == "cursor") {
      q.cursor = value;
    }
  }
  return q;
}

}  // namespace sse::durable::detail
