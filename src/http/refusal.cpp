#include "http/refusal.hpp"

#include <string>

#include "http/api_error.hpp"

namespace sse::http {

response refuse(refusal why, std::string_view detail) {
  response r;
  switch (why) {
    case refusal::connection_limit:
      // error_response adds Retry-After: 1 to every 503.
      r = error_response(503, "too_many_connections", "connection limit reached");
      break;
    case refusal::address_limit:
      r = error_response(429, address_limit_code, "connection refused by a limit");
      r.headers.emplace_back("Retry-After", "1");
      break;
    case refusal::tls_required:
      r = error_response(400, "tls_required", "this port speaks HTTPS: use https:// URLs");
      break;
    case refusal::request_timeout:
      r = error_response(408, "request_timeout", "the request was not received in time");
      break;
    case refusal::headers_too_large:
      r = error_response(431, "request_header_fields_too_large",
                         "request headers over the size or count limit");
      break;
    case refusal::body_too_large:
      r = error_response(make_api_error(
          errc::too_large, "request body over the limit of " + std::string(detail) + " bytes"));
      break;
    case refusal::malformed:
      r = error_response(400, "bad_request", "malformed HTTP request: " + std::string(detail));
      break;
    case refusal::bad_framing:
      r = error_response(400, "bad_request", detail);
      break;
  }
  r.close = true;
  return r;
}

}  // namespace sse::http
