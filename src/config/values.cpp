#include "config/values.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "config/number.hpp"

namespace sse::config {
namespace {

result<std::uint16_t> parse_port(std::string_view text) {
  auto n = parse_uint(text);
  if (!n || *n > 65535) {
    return errc::invalid_argument;
  }
  return static_cast<std::uint16_t>(*n);
}

/// Splits "host:port" / "[v6]:port" / "host" (when the port is optional) into its parts.
/// `port` stays empty when absent.
bool split_host_port(std::string_view text, std::string_view& host, std::string_view& port) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close == 1) {
      return false;
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
      port = {};
      return true;
    }
    if (rest.front() != ':') {
      return false;
    }
    port = rest.substr(1);
    return !port.empty();
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    host = text;
    port = {};
  } else {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    // A second colon outside brackets: an IPv6 address someone forgot to bracket.
    if (host.find(':') != std::string_view::npos || port.empty()) {
      return false;
    }
  }
  return !host.empty();
}

// `host:port[,host:port...]`, each port 1..65535: the node lists of redis-cluster:// and
// redis-sentinel:// (redis/ parses them in full; config only checks them, and sits below redis/).
result<void> validate_node_list(std::string_view nodes) {
  for (;;) {
    const auto comma = nodes.find(',');
    std::string_view host;
    std::string_view port;
    if (!split_host_port(nodes.substr(0, comma), host, port) || host.empty() || port.empty()) {
      return errc::invalid_argument;
    }
    if (auto p = parse_port(port); !p || *p == 0) {
      return errc::invalid_argument;
    }
    if (comma == std::string_view::npos) {
      return {};
    }
    nodes = nodes.substr(comma + 1);
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

result<host_port> parse_listen(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!split_host_port(text, host, port) || port.empty()) {
    return errc::invalid_argument;
  }
  auto p = parse_port(port);
  if (!p) {
    return p.error();
  }
  return host_port{std::string(host), *p};
}

std::string format_listen(const host_port& hp) {
  if (hp.host.find(':') != std::string::npos) {
    return "[" + hp.host + "]:" + std::to_string(hp.port);
  }
  return hp.host + ":" + std::to_string(hp.port);
}

result<void> validate_store(std::string_view text) {
  if (text == "memory") {
    return {};
  }
  constexpr std::string_view sentinel_scheme = "redis-sentinel://";
  if (text.substr(0, sentinel_scheme.size()) == sentinel_scheme) {
    // Sentinels host:port[,host:port...] after optional credentials, then /master-name[/db]
    // (redis/sentinel/sentinel_url.cpp parses it in full).
    std::string_view rest = text.substr(sentinel_scheme.size());
    const auto at = rest.rfind('@');
    const auto slash = rest.find('/', at == std::string_view::npos ? 0 : at);
    if (slash == std::string_view::npos || slash + 1 == rest.size()) {
      return errc::invalid_argument;
    }
    std::string_view nodes = rest.substr(0, slash);
    if (at != std::string_view::npos) {
      nodes = nodes.substr(at + 1);
    }
    return validate_node_list(nodes);
  }
  constexpr std::string_view cluster_scheme = "redis-cluster://";
  if (text.substr(0, cluster_scheme.size()) == cluster_scheme) {
    // Seeds host:port[,host:port...] after optional credentials; no /db (a cluster has only 0).
    std::string_view nodes = text.substr(cluster_scheme.size());
    if (const auto at = nodes.rfind('@'); at != std::string_view::npos) {
      nodes = nodes.substr(at + 1);
    }
    if (nodes.empty() || nodes.find('/') != std::string_view::npos) {
      return errc::invalid_argument;
    }
    return validate_node_list(nodes);
  }
  constexpr std::string_view scheme = "redis://";
  if (text.substr(0, scheme.size()) != scheme) {
    return errc::invalid_argument;
  }
  std::string_view rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (!parse_uint(rest.substr(slash + 1))) {
      return errc::invalid_argument;
    }
    rest = rest.substr(0, slash);
  }
  // The password may itself contain '@' or ':'; the host part follows the last '@'.
  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    rest = rest.substr(at + 1);
  }
  std::string_view host;
  std::string_view port;
  if (!split_host_port(rest, host, port)) {
    return errc::invalid_argument;
  }
  if (!port.empty()) {
    auto p = parse_port(port);
    if (!p || *p == 0) {
      return errc::invalid_argument;
    }
  }
  return {};
}

result<void> validate_telemetry(std::string_view text) {
  if (text == "stdout" || text == "none") {
    return {};
  }
  constexpr std::string_view prefix = "file:";
  if (text.size() > prefix.size() && text.substr(0, prefix.size()) == prefix) {
    return {};
  }
  return errc::invalid_argument;
}

result<void> validate_log_level(std::string_view text) {
  constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  if (std::find(levels.begin(), levels.end(), text) != levels.end()) {
    return {};
  }
  return errc::invalid_argument;
}

result<std::vector<std::string>> parse_sse_compression(std::string_view text) {
  std::vector<std::string> out;
  const std::string all = lower(text);
  std::string_view rest = all;
  if (rest == "off" || rest.empty()) {
    return out;
  }
  while (true) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if ((item != "gzip" && item != "zstd") ||
        std::find(out.begin(), out.end(), item) != out.end()) {
      return errc::invalid_argument;
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) {
      return out;
    }
    rest.remove_prefix(comma + 1);
  }
}

std::string format_sse_compression(const std::vector<std::string>& codings) {
  if (codings.empty()) {
    return "off";
  }
  std::string out;
  for (const auto& c : codings) {
    out += out.empty() ? "" : ",";
    out += c;
  }
  return out;
}

result<bool> parse_bool(std::string_view text) {
  const std::string v = lower(text);
  if (v == "1" || v == "true" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "0" || v == "false" || v == "no" || v == "off") {
    return false;
  }
  return errc::invalid_argument;
}

}  // namespace sse::config
