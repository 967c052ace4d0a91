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
  // The password may itself contain '@', ':' or '/'; the node list follows the last '@', and a
  // cluster has no path (only database 0).
  const auto at = rest.rfind('@');
  if (rest.find('/', at == std::string_view::npos ? 0 : at) != std::string_view::npos) {
    return errc::invalid_argument;
  }
  auto seeds = parse_credentials_and_nodes(rest, out.connection);
  if (!seeds) {
    return seeds.error();
  }
  out.seeds = std::move(*seeds);
  return out;
}

result<std::vector<node_address>> parse_credentials_and_nodes(std::string_view text,
                                                              connection_config& cfg) {
  // The password may itself contain '@' or ':'; the node list follows the last '@'.
  if (const auto at = text.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = text.substr(0, at);
    text = text.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      return errc::invalid_argument;
    }
    cfg.username = std::string(credentials.substr(0, colon));
    cfg.password = std::string(credentials.substr(colon + 1));
  }
  std::vector<node_address> nodes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto node = parse_node_address(text.substr(0, comma));
    if (!node) {
      return errc::invalid_argument;
    }
    nodes.push_back(std::move(*node));
    if (comma == std::string_view::npos) {
      break;
    }
    text = text.substr(comma + 1);
    if (text.empty()) {
      return errc::invalid_argument;  // trailing comma
    }
  }
  if (nodes.empty()) {
    return errc::invalid_argument;
  }
  return nodes;
}

}  // namespace sse::redis::cluster
