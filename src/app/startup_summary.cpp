#include "app/startup_summary.hpp"

namespace sse::app {

std::string redact_store_url(std::string_view store) {
  const auto scheme_end = store.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::string(store);
  }
  const std::size_t authority = scheme_end + 3;
  // The user info ends at the last '@' before the path (a password may itself hold '@' or '/'
  // only percent-encoded, but the last '@' is the safe cut either way).
  const auto at = store.rfind('@');
  if (at == std::string_view::npos || at < authority) {
    return std::string(store);
  }
  const std::string_view userinfo = store.substr(authority, at - authority);
  std::string out(store.substr(0, authority));
  if (const auto colon = userinfo.find(':'); colon != std::string_view::npos) {
    out.append(userinfo.substr(0, colon));
    out += ":***";
  } else {
    out += "***";
  }
  out.append(store.substr(at));
  return out;
}

std::string describe_access(const config::config& cfg) {
  if (cfg.auth == "none") {
    return "OFF (--auth none)";
  }
  if (cfg.auth.empty()) {
    return "off (--demo on loopback)";
  }
  std::string out = cfg.auth;
  if (cfg.auth == "jwt") {
    out += " (";
    out += cfg.auth_hs256_secret_file.empty() ? "RS256/ES256 public key" : "HS256 secret";
    out += "; tokens from Authorization: Bearer, and for subscribers ?token=";
    if (!cfg.auth_cookie.empty()) {
      out += " and cookie " + cfg.auth_cookie;
    }
    out += "; audience ";
    out += cfg.auth_audience.empty() ? "not checked" : cfg.auth_audience;
    out += ")";
  }
  return out;
}

std::string describe_cors(const config::config& cfg) {
  return cfg.cors_origin.enabled() ? config::format_cors_origins(cfg.cors_origin) : "off";
}

std::string describe_relay(const std::vector<std::string>& route_names) {
  if (route_names.empty()) {
    return "off";
  }
  std::string out;
  for (const auto& name : route_names) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

}  // namespace sse::app
