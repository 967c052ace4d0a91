#include "config/cors_origins.hpp"

#include <algorithm>
#include <optional>

#include "core/text.hpp"

namespace sse::config {
namespace {

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
bool valid_scheme(std::string_view s) noexcept {
  if (s.empty() || !is_alpha(s.front())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
  });
}

/// host[:port] of a serialized origin: a non-empty host (a name, an IPv4 address or a
/// bracketed IPv6 address) and an optional port of 1-5 digits up to 65535. No path, query,
/// fragment, user info or blank can be part of it.
bool valid_authority(std::string_view a) noexcept {
  if (a.empty()) {
    return false;
  }
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\' ||
        c == ',' || c == '*') {
      return false;
    }
  }
  std::string_view host = a;
  std::string_view port;
  if (a.front() == '[') {
    const auto close = a.find(']');
    if (close == std::string_view::npos || close == 1) {
      return false;
    }
    host = a.substr(0, close + 1);
    std::string_view rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port = rest.substr(1);
      if (port.empty()) {
        return false;
      }
    }
  } else if (const auto colon = a.find(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
    if (port.empty()) {
      return false;
    }
  }
  if (host.empty()) {
    return false;
  }
  if (port.empty()) {
    return true;
  }
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
    return false;
  }
  unsigned long value = 0;
  for (char c : port) {
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  return value <= 65535;
}

/// One list entry, lower-cased (origins compare ASCII case-insensitively; browsers send them
/// lower-cased), or nullopt when it is not an origin.
std::optional<std::string> parse_origin(std::string_view entry) {
  if (entry == "null") {
    return std::string(entry);
  }
  constexpr std::string_view sep = "://";
  const auto at = entry.find(sep);
  if (at == std::string_view::npos || !valid_scheme(entry.substr(0, at)) ||
      !valid_authority(entry.substr(at + sep.size()))) {
    return std::nullopt;
  }
  std::string out(entry);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

}  // namespace

result<cors_origins> parse_cors_origins(std::string_view text) {
  cors_origins out;
  if (core::trim_blanks(text).empty()) {
    return out;
  }
  while (true) {
    const auto comma = text.find(',');
    const std::string_view entry = core::trim_blanks(text.substr(0, comma));
    if (entry == "*") {
      out.any = true;
    } else {
      auto origin = parse_origin(entry);
      if (!origin) {
        return errc::invalid_argument;
      }
      if (std::find(out.listed.begin(), out.listed.end(), *origin) == out.listed.end()) {
        out.listed.push_back(std::move(*origin));
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  // "*" beside explicit origins would make credentials depend on which one matched: refused
  // as ambiguous.
  if (out.any && !out.listed.empty()) {
    return errc::invalid_argument;
  }
  return out;
}

std::string format_cors_origins(const cors_origins& origins) {
  if (origins.any) {
    return "*";
  }
  std::string out;
  for (const auto& o : origins.listed) {
    if (!out.empty()) {
      out += ',';
    }
    out += o;
  }
  return out;
}

}  // namespace sse::config
