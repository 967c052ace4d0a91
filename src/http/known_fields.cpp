#include "http/known_fields.hpp"

#include <algorithm>
#include <vector>

namespace sse::http {
namespace {

// Levenshtein distance, stopping early: only "within two edits" matters, and names are short.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string quoted_list(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "\"" : ", \"") + std::string(names[i]) + "\"";
  }
  return out;
}

}  // namespace

std::optional<std::string> unknown_field(const boost::json::object& o,
                                         std::span<const std::string_view> known,
                                         std::string_view what, std::span<const field_hint> hints) {
  for (const auto& member : o) {
    const std::string_view key(member.key().data(), member.key().size());
    if (std::find(known.begin(), known.end(), key) != known.end()) {
      continue;
    }
    // A key is client input: cut it, so that a megabyte-long name does not come back whole.
    std::string shown(key.substr(0, 64));
    std::string message = "unknown field \"" + shown + "\" in " + std::string(what);
    auto hint = std::find_if(hints.begin(), hints.end(),
                             [&](const field_hint& h) { return h.name == key; });
    if (hint != hints.end()) {
      message += " (" + std::string(hint->hint) + ")";
    } else {
      auto near = std::find_if(known.begin(), known.end(), [&](std::string_view k) {
        return key.size() < 64 && edit_distance(key, k) <= 2;
      });
      if (near != known.end()) {
        message += " (did you mean \"" + std::string(*near) + "\"?)";
      }
    }
    message += "; known fields: " + quoted_list(known);
    return message;
  }
  return std::nullopt;
}

std::string_view json_kind(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
      return "an integer";
    case boost::json::kind::double_:
      return "a number with a fraction or exponent";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

}  // namespace sse::http
