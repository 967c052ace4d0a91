#include "http/cors.hpp"

#include <string>

namespace sse::http {

void add_cors_headers(header_list& headers, std::string_view cors_origin) {
  if (cors_origin.empty()) {
    return;
  }
  headers.emplace_back("Access-Control-Allow-Origin", std::string(cors_origin));
  if (cors_origin != "*") {
    // Caches must not hand this answer to another origin.
    headers.emplace_back("Vary", "Origin");
  }
  // Stream-Id: a relay POST read with fetch names its stream there (to resume it later).
  headers.emplace_back("Access-Control-Expose-Headers", "Retry-After, Allow, Stream-Id");
}

response preflight_response(std::string_view cors_origin) {
  response r;
  r.status = 204;
  if (cors_origin.empty()) {
    return r;
  }
  add_cors_headers(r.headers, cors_origin);
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  r.headers.emplace_back(
      "Access-Control-Allow-Headers",
      "Last-Event-ID, Content-Type, Producer-Seq, Authorization, Idempotency-Key");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace sse::http
