#include "redis/config.hpp"

#include <charconv>

namespace sse::redis {
namespace {

template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) {
    return false;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

result<connection_config> parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) {
    return errc::invalid_argument;
  }
  url.remove_prefix(scheme.size());
  connection_config cfg;

  // The password may contain '@' or '/', so the userinfo ends at the last '@'.
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = url.substr(0, at);
    url.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      cfg.password = std::string(userinfo);  // redis://password@host is common enough
    } else {
      cfg.username = std::string(userinfo.substr(0, colon));
      cfg.password = std::string(userinfo.substr(colon + 1));
    }
  }

  std::string_view hostport = url;
  if (auto slash = url.find('/'); slash != std::string_view::npos) {
    hostport = url.substr(0, slash);
    std::string_view db = url.substr(slash + 1);
    if (!db.empty() && (!parse_number(db, cfg.db) || cfg.db < 0)) {
      return errc::invalid_argument;
    }
  }
  std::string_view host = hostport;
  if (!hostport.empty() && hostport.front() == '[') {  // [::1]:6379
    auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      return errc::invalid_argument;
    }
    host = hostport.substr(1, close - 1);
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !parse_number(rest.substr(1), cfg.port)) {
        return errc::invalid_argument;
      }
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    if (!parse_number(hostport.substr(colon + 1), cfg.port)) {
      return errc::invalid_argument;
    }
  }
  if (host.empty() || cfg.port == 0) {
    return errc::invalid_argument;
  }
  cfg.host = std::string(host);
  return cfg;
}

}  // namespace sse::redis
