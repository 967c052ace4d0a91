// Request-target pieces: query parameters and the store id of a DS path.
#include <cctype>

#include "core/stream_id.hpp"
#include "core/text.hpp"
#include "durable/protocol.hpp"

namespace sse::durable {
namespace {

bool keeps_in_id(unsigned char c) {
  return std::isalnum(c) != 0 || c == '.' || c == '-';
}

constexpr std::string_view registry_suffix = "_f";

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) {
      continue;
    }
    auto eq = part.find('=');
    auto key = core::percent_decode(part.substr(0, eq), true);
    auto value = core::percent_decode(
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!key || !value) {
      return std::nullopt;
    }
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

std::string_view path_in_target(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (target.starts_with(path_prefix)) {
    target.remove_prefix(path_prefix.size());
  }
  return target;
}

std::string fork_source_path(std::string_view header) {
  header = header.substr(0, header.find('?'));
  if (header.starts_with(path_prefix)) {
    header.remove_prefix(path_prefix.size());
  }
  return std::string(header);
}

std::optional<std::string> store_id_for_path(std::string_view path) {
  if (path.empty()) {
    return std::nullopt;
  }
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string id(core::durable_prefix);
  for (unsigned char c : path) {
    if (keeps_in_id(c)) {
      id += static_cast<char>(c);
    } else {
      id += '_';
      id += hex[c >> 4];
      id += hex[c & 15];
    }
  }
  if (!core::is_valid_stream_id(id) ||
      id.size() + registry_suffix.size() > core::max_stream_id_length) {
    return std::nullopt;
  }
  return id;
}

std::string fork_registry_id(std::string_view id) {
  return std::string(id).append(registry_suffix);
}

}  // namespace sse::durable
