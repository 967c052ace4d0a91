#include "redis/sentinel/sentinel_url.hpp"

#include <charconv>

namespace sse::redis::sentinel {

result<sentinel_url> parse_sentinel_url(std::string_view url) {
  constexpr std::string_view scheme = "redis-sentinel://";
  if (url.substr(0, scheme.size()) != scheme) {
    return errc::invalid_argument;
  }
  std::string_view rest = url.substr(scheme.size());
  sentinel_url out;
  // The path (master name, db) follows the first '/' after the credentials; the password may
  // contain '@', ':' or '/', so the credentials end at the last '@' before the path's '/'.
  std::string_view path;
  {
    const auto at = rest.rfind('@');
    const auto slash = rest.find('/', at == std::string_view::npos ? 0 : at);
    if (slash == std::string_view::npos) {
      return errc::invalid_argument;  // no master name
    }
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      return errc::invalid_argument;
    }
    out.connection.username = std::string(credentials.substr(0, colon));
    out.connection.password = std::string(credentials.substr(colon + 1));
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto node = cluster::parse_node_address(rest.substr(0, comma));
    if (!node) {
      return errc::invalid_argument;
    }
    out.sentinels.push_back(std::move(*node));
    if (comma == std::string_view::npos) {
      break;
    }
    rest = rest.substr(comma + 1);
    if (rest.empty()) {
      return errc::invalid_argument;  // trailing comma
    }
  }
  if (out.sentinels.empty()) {
    return errc::invalid_argument;
  }
  const auto slash = path.find('/');
  out.master_name = std::string(path.substr(0, slash));
  if (out.master_name.empty()) {
    return errc::invalid_argument;
  }
  if (slash != std::string_view::npos) {
    const std::string_view db = path.substr(slash + 1);
    int n = 0;
    auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
    if (db.empty() || ec != std::errc{} || end != db.data() + db.size() || n < 0) {
      return errc::invalid_argument;
    }
    out.connection.db = n;
  }
  return out;
}

}  // namespace sse::redis::sentinel
