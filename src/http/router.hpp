#pragma once
// Path and method routing of API v1. Pure: the session asks the router, then calls the handler.

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace sse::http {

enum class route_kind {
  not_found,
  root,          ///< GET /            (the demo page, with --demo)
  demo_current,  ///< GET /demo/current (with --demo)
  healthz,
  readyz,
  metrics,
  stream,         ///< /v1/streams/{id}: PUT, GET, DELETE
  stream_events,  ///< /v1/streams/{id}/events: POST (append), GET (subscribe)
  stream_end,     ///< /v1/streams/{id}/end: POST
  stream_cancel,  ///< /v1/streams/{id}/cancel: POST (relay mode)
  relay,          ///< /v1/relay/{route}: POST; the route name is in stream_id
  server,         ///< `*` (asterisk-form): OPTIONS only, about the server as a whole
};

struct route_match {
  route_kind kind = route_kind::not_found;
  std::string stream_id;  ///< percent-decoded; NOT yet validated (the handler answers 400)
};

/// Matches the path part of a request-target (no query). A trailing slash is not the same path.
/// `*` (the asterisk-form of OPTIONS, RFC 9112 3.2.4) is route_kind::server.
route_match match_route(std::string_view path);

/// True when the route answers this method. OPTIONS is answered on every route (preflight).
bool method_allowed(route_kind kind, method m) noexcept;

/// The `Allow` header value of a route, for 405 and OPTIONS answers; for route_kind::server,
/// every method the server answers on some route.
std::string_view allowed_methods(route_kind kind) noexcept;

/// Parses a Beast/HTTP method token ("GET", ...). Case-sensitive, as HTTP methods are.
method parse_method(std::string_view token) noexcept;

}  // namespace sse::http
