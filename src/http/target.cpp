#include "http/target.hpp"

#include "core/text.hpp"

namespace sse::http {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string origin_form(std::string_view target) {
  std::size_t authority = 0;
  if (starts_with_nocase(target, "http://")) {
    authority = 7;
  } else if (starts_with_nocase(target, "https://")) {
    authority = 8;
  } else {
    return std::string(target);
  }
  const std::size_t path = target.find_first_of("/?#", authority);
  if (path == std::string_view::npos) {
    return "/";
  }
  if (target[path] != '/') {
    return "/" + std::string(target.substr(path));  // `http://host?q`: an empty path is `/`
  }
  return std::string(target.substr(path));
}

target_parts split_target(std::string_view target) noexcept {
  if (auto hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  auto q = target.find('?');
  if (q == std::string_view::npos) {
    return {target, {}};
  }
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto decoded_key = core::percent_decode(key, true);
    if (!decoded_key || *decoded_key != name) {
      continue;
    }
    if (auto decoded = core::percent_decode(value, true)) {
      return decoded;
    }
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace sse::http
