#include "http/router.hpp"

#include "core/text.hpp"
#include "http/target.hpp"

namespace sse::http {
namespace {

/// POST /v1/relay/{route} that asks for the SSE answer itself (fetch), not a 201 to follow.
bool accepts_event_stream(const request& req) {
  if (!req.accept) {
    return false;
  }
  const std::string_view a = *req.accept;
  constexpr std::string_view sse_type = "text/event-stream";
  for (std::size_t i = 0; i + sse_type.size() <= a.size(); ++i) {
    if (core::iequals(a.substr(i, sse_type.size()), sse_type)) {
      return true;
    }
  }
  return false;
}

}  // namespace

routed_request route_request(const request& req, bool relay_mode) {
  routed_request r{match_route(split_target(req.target).path), request_kind::answer};
  if (r.route.kind == route_kind::stream_events && req.verb == method::get) {
    r.kind = request_kind::subscribe;
  } else if (r.route.kind == route_kind::relay && req.verb == method::post && relay_mode &&
             accepts_event_stream(req)) {
    r.kind = request_kind::relay_stream;
  }
  return r;
}

route_match match_route(std::string_view path) {
  if (path == "/") {
    return {route_kind::root, {}};
  }
  if (path == "*") {
    return {route_kind::server, {}};
  }
  if (path == "/healthz") {
    return {route_kind::healthz, {}};
  }
  if (path == "/readyz") {
    return {route_kind::readyz, {}};
  }
  if (path == "/metrics") {
    return {route_kind::metrics, {}};
  }
  if (path == "/demo/current") {
    return {route_kind::demo_current, {}};
  }
  constexpr std::string_view relay_prefix = "/v1/relay/";
  if (path.starts_with(relay_prefix)) {
    std::string_view name = path.substr(relay_prefix.size());
    if (name.empty() || name.find('/') != std::string_view::npos) {
      return {};
    }
    return {route_kind::relay, std::string(name)};
  }
  constexpr std::string_view prefix = "/v1/streams/";
  if (!path.starts_with(prefix)) {
    return {};
  }
  std::string_view rest = path.substr(prefix.size());
  route_kind kind = route_kind::stream;
  std::string_view id = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    id = rest.substr(0, slash);
    std::string_view tail = rest.substr(slash);
    if (tail == "/events") {
      kind = route_kind::stream_events;
    } else if (tail == "/end") {
      kind = route_kind::stream_end;
    } else if (tail == "/cancel") {
      kind = route_kind::stream_cancel;
    } else {
      return {};
    }
  }
  // Ids only hold unreserved characters and ':', but a client may still escape them.
  auto decoded = core::percent_decode(id, false);
  return {kind, decoded ? std::move(*decoded) : std::string(id)};
}

bool method_allowed(route_kind kind, method m) noexcept {
  if (m == method::options) {
    return true;
  }
  switch (kind) {
    case route_kind::not_found:
    case route_kind::server:
      return false;
    case route_kind::root:
    case route_kind::demo_current:
      return m == method::get;
    case route_kind::healthz:
    case route_kind::readyz:
    case route_kind::metrics:
      // HEAD: probes (load balancers, uptime checks) that want the status without the body.
      return m == method::get || m == method::head;
    case route_kind::stream:
      return m == method::get || m == method::put || m == method::delete_;
    case route_kind::stream_events:
      return m == method::get || m == method::post;
    case route_kind::stream_end:
    case route_kind::stream_cancel:
    case route_kind::relay:
      return m == method::post;
  }
  return false;
}

std::string_view allowed_methods(route_kind kind) noexcept {
  switch (kind) {
    case route_kind::not_found:
      return "";
    case route_kind::server:
      return "GET, HEAD, POST, PUT, DELETE, OPTIONS";
    case route_kind::root:
    case route_kind::demo_current:
      return "GET, OPTIONS";
    case route_kind::healthz:
    case route_kind::readyz:
    case route_kind::metrics:
      return "GET, HEAD, OPTIONS";
    case route_kind::stream:
      return "GET, PUT, DELETE, OPTIONS";
    case route_kind::stream_events:
      return "GET, POST, OPTIONS";
    case route_kind::stream_end:
    case route_kind::stream_cancel:
    case route_kind::relay:
      return "POST, OPTIONS";
  }
  return "";
}

method parse_method(std::string_view token) noexcept {
  if (token == "GET") {
    return method::get;
  }
  if (token == "HEAD") {
    return method::head;
  }
  if (token == "POST") {
    return method::post;
  }
  if (token == "PUT") {
    return method::put;
  }
  if (token == "DELETE") {
    return method::delete_;
  }
  if (token == "OPTIONS") {
    return method::options;
  }
  return method::other;
}

}  // namespace sse::http
