#include "redis/sentinel/sentinel_url.hpp"

#include <charconv>

#include "redis/cluster/cluster_url.hpp"

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
  auto sentinels = cluster::parse_credentials_and_nodes(rest, out.connection);
  if (!sentinels) {
    return sentinels.error();
  }
  out.sentinels = std::move(*sentinels);
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
