#pragma once
// Path and method routing of API v1. Pure: the connection asks the router once (route_request),
// and its one switch (serve_request in request_life.hpp) acts on the kind it returns.

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

/// What is done with a request: every kind the router returns, decided in this one place.
enum class request_kind {
  answer,        ///< a response from handle_request (every request that is not a stream)
  subscribe,     ///< GET /v1/streams/{id}/events: an SSE stream (or a response if refused)
  relay_stream,  ///< POST /v1/relay/{route} with Accept: text/event-stream, relay mode on
};

struct routed_request {
  route_match route;
  request_kind kind = request_kind::answer;
};

/// The route of `req`'s target (its path; the query is not part of it) and what to do with it.
/// A relay POST is a relay_stream only when relay mode is on and its Accept names
/// text/event-stream (anywhere, any case); otherwise it is answered 201/4xx by handle_request.
routed_request route_request(const request& req, bool relay_mode);

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
