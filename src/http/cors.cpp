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

/// `Vary: Origin`, merged into a Vary the response already has so that it stays one field.
void add_vary_origin(header_list& h) {
  auto vary = find_header(h, "Vary");
  if (vary == h.end()) {
    h.emplace_back("Vary", "Origin");
  } else if (vary->second.find("Origin") == std::string::npos) {
    vary->second += ", Origin";
  }
}

bool listed(const config::cors_origins& origins, std::string_view origin) {
  return std::any_of(origins.listed.begin(), origins.listed.end(),
                     [origin](const std::string& o) { return core::iequals(o, origin); });
}

}  // namespace

bool is_durable_target(std::string_view target) {
  return target.starts_with("/v1/stream/");
}

void add_cors_headers(const config::cors_origins& origins, const request& req, response& res) {
  if (!origins.enabled()) {
    return;
  }
  auto& h = res.headers;
  if (!origins.any) {
    add_vary_origin(h);
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
