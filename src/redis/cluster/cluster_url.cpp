#include "redis/cluster/cluster_url.hpp"

#include <string>

namespace sse::redis::cluster {

result<cluster_url> parse_cluster_url(std::string_view url) {
  constexpr std::string_view scheme = "redis-cluster://";
  if (url.substr(0, scheme.size()) != scheme) {
    return errc::invalid_argument;
  }
  std::string_view rest = url.substr(scheme.size());
  cluster_url out;
  // The password may itself contain '@' or ':'; the node list follows the last '@'.
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
  if (rest.find('/') != std::string_view::npos) {
    return errc::invalid_argument;
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view one = rest.substr(0, comma);
    auto node = parse_node_address(one);
    if (!node || node->host.find('@') != std::string::npos) {
      return errc::invalid_argument;
    }
    out.seeds.push_back(std::move(*node));
    if (comma == std::string_view::npos) {
      break;
    }
    rest = rest.substr(comma + 1);
    if (rest.empty()) {
      return errc::invalid_argument;  // trailing comma
    }
  }
  if (out.seeds.empty()) {
    return errc::invalid_argument;
  }
  return out;
}

}  // namespace sse::redis::cluster
