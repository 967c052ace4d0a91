#pragma once
// CORS (issue 2, "CORS"): one configured origin (--cors-origin), or none.

#include <string_view>

#include "http/message.hpp"

namespace sse::http {

/// Adds Access-Control-Allow-Origin (and Vary: Origin unless the origin is "*") and
/// Access-Control-Expose-Headers. No-op when cors_origin is empty.
void add_cors_headers(header_list& headers, std::string_view cors_origin);

/// The answer to OPTIONS on any path: 204; with an origin configured it carries the CORS
/// headers plus Allow-Methods, Allow-Headers (Last-Event-ID, Content-Type, Producer-Seq,
/// Authorization) and Max-Age.
response preflight_response(std::string_view cors_origin);

}  // namespace sse::http
