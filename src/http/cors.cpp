#include "http/cors.hpp"

#include <algorithm>
#include <string>

#include "core/text.hpp"

namespace sse::http {
namespace {

header_list::iterator find_header(header_list& h, std::string_view name) {
  return std::find_if(h.begin(), h.end(),
                      [name](const auto& kv) { return core::iequals(kv.first, name); });
}

/// Takes the next item of a comma-separated field value off the front of `list`, trimmed.
std::string_view next_item(std::string_view& list) {
  const auto comma = list.find(',');
  const std::string_view item = core::trim_blanks(list.substr(0, comma));
  list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  return item;
}

bool lists_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    if (core::iequals(next_item(list), token)) {
      return true;
    }
  }
  return false;
}

bool listed(const config::cors_origins& origins, std::string_view origin) {
  return std::any_of(origins.listed.begin(), origins.listed.end(),
                     [origin](const std::string& o) { return core::iequals(o, origin); });
}

}  // namespace

void merge_vary(header_list& h, std::string_view tokens) {
  auto vary = find_header(h, "Vary");
  if (vary == h.end()) {
    h.emplace_back("Vary", std::string(tokens));
    return;
  }
  while (!tokens.empty()) {
    const std::string_view token = next_item(tokens);
    if (!token.empty() && !lists_token(vary->second, token)) {
      vary->second.append(", ").append(token);
    }
  }
}

bool is_durable_target(std::string_view target) {
  return target.starts_with("/v1/stream/");
}

void add_cors_headers(const config::cors_origins& origins, const request& req, response& res) {
  if (!origins.enabled()) {
    return;
  }
  auto& h = res.headers;
  if (!origins.any) {
    merge_vary(h, "Origin");
  }
  if (!req.origin || (!origins.any && !listed(origins, *req.origin))) {
    return;
  }
  const bool preflight = req.verb == method::options && req.cors_request_method.has_value();
  if (preflight && (res.status < 200 || res.status > 299)) {
    return;
  }
  h.emplace_back("Access-Control-Allow-Origin", origins.any ? "*" : *req.origin);
  if (!origins.any) {
    h.emplace_back("Access-Control-Allow-Credentials", "true");
  }
  const bool durable = is_durable_target(req.target);
  if (!preflight) {
    h.emplace_back("Access-Control-Expose-Headers",
                   std::string(durable ? durable_exposed_headers : cors_exposed_headers));
    return;
  }
  // A door that answers its preflights with lists of its own (the Durable Streams door does,
  // CORS on or off) keeps them: each field once.
  if (const auto allow = find_header(h, "Allow");
      allow != h.end() && find_header(h, "Access-Control-Allow-Methods") == h.end()) {
    h.emplace_back("Access-Control-Allow-Methods", std::string(allow->second));
  }
  if (find_header(h, "Access-Control-Allow-Headers") == h.end()) {
    h.emplace_back("Access-Control-Allow-Headers",
                   std::string(durable ? durable_allowed_headers : cors_allowed_headers));
  }
  h.emplace_back("Access-Control-Max-Age", "600");
}

}  // namespace sse::http
