// parse_upstream_url (declared in relay/route.hpp): a route's "url", http or https only.
#include "config/number.hpp"
#include "relay/route.hpp"
#include "relay/route_fields.hpp"

namespace sse::relay {

using detail::is_name_char;

std::optional<upstream_url> parse_upstream_url(std::string_view text) {
  upstream_url u;
  if (text.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    u.port = 80;
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto path_at = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, path_at);
  std::string_view rest = path_at == std::string_view::npos ? "" : text.substr(path_at);
  if (authority.find('@') != std::string_view::npos || rest.find('#') != std::string_view::npos) {
    return std::nullopt;  // no userinfo (would be a secret in the URL), no fragment
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
      return std::nullopt;
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  for (char c : host) {
    if (!is_name_char(c) && c != ':') {
      return std::nullopt;
    }
  }
  if (!port.empty()) {
    auto p = config::parse_uint(port);
    if (!p || *p == 0 || *p > 65535) {
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(*p);
  }
  for (unsigned char c : rest) {
    if (c <= 0x20 || c >= 0x7f) {
      return std::nullopt;
    }
  }
  u.host = std::string(host);
  if (rest.starts_with('?')) {
    // Built in place rather than as "/" + std::string(rest): GCC 12 at -O3 reports a false
    // -Wrestrict on that operator+ (libstdc++ char_traits::copy).
    u.target.assign(1, '/');
    u.target.append(rest);
  } else if (!rest.empty()) {
    u.target = std::string(rest);
  }
  return u;
}

}  // namespace sse::relay
