#include "http/access.hpp"

#include <boost/json/serialize.hpp>

#include "auth/authenticator.hpp"
#include "core/saturate.hpp"
#include "core/stream_id.hpp"
#include "http/api_error.hpp"
#include "http/target.hpp"
#include "telemetry/names.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;

/// The action a route and method need; nullopt for routes without access control (health,
/// metrics, demo, CORS preflight) and for methods the route answers with 405 anyway.
std::optional<auth::action> needed_action(route_kind kind, method m) noexcept {
  const bool stream_route = kind == route_kind::stream || kind == route_kind::stream_events ||
                            kind == route_kind::stream_end || kind == route_kind::stream_cancel ||
                            kind == route_kind::relay;
  if (!stream_route || m == method::options || !method_allowed(kind, m)) {
    return std::nullopt;
  }
  if ((kind == route_kind::stream || kind == route_kind::stream_events) &&
      (m == method::get || m == method::head)) {
    return auth::action::subscribe;
  }
  return auth::action::publish;
}

}  // namespace

std::optional<response> check_access(services& s, const route_match& route, request& req) {
  if (s.auth == nullptr) {
    return std::nullopt;
  }
  const auto a = needed_action(route.kind, req.verb);
  if (!a) {
    return std::nullopt;
  }
  auth::credentials creds;
  if (req.authorization) {
    creds.authorization = *req.authorization;
  }
  if (req.cookie) {
    creds.cookie_header = *req.cookie;
  }
  std::optional<std::string> query_token;
  if (*a == auth::action::subscribe) {
    query_token = query_param(split_target(req.target).query, "token");
    if (query_token) {
      creds.query_token = *query_token;
    }
  }
  const auto now = s.clock.now();
  const auto now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // A relay call publishes into a stream it creates: its scope names the route, as
  // "relay:<route>" (issue 7's routes are configured names, not stream ids).
  const std::string scope_name =
      route.kind == route_kind::relay ? "relay:" + route.stream_id : route.stream_id;
  const auth::decision d = s.auth->check(*a, scope_name, creds, now_unix);
  if (d.allowed()) {
    // Clamped to what a time_point holds (year 2262): a later `exp` is "never" here.
    req.access_expires = core::from_unix_seconds(d.expires_unix);
    return std::nullopt;
  }
  const std::string_view reason = auth::to_string(d.reason);
  s.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
  s.sink.emit(
      telemetry::event{std::string(telemetry::names::auth_rejected),
                       route.stream_id,
                       {{"reason", reason},
                        {"status", d.status},
                        {"action", *a == auth::action::subscribe ? "subscribe" : "publish"}},
                       0});
  if (d.status == 403) {
    return error_response(403, "forbidden", "the token does not allow this action on this stream");
  }
  response r = error_response(401, "unauthorized",
                              "a valid bearer token is required (" + std::string(reason) + ")");
  r.headers.emplace_back("WWW-Authenticate", auth::authenticator::challenge(d.reason));
  return r;
}

net::awaitable<std::optional<response>> check_limits(services& s, const route_match& route,
                                                     const request& req,
                                                     const std::string& client_ip) {
  if (s.limits == nullptr) {
    co_return std::nullopt;
  }
  const bool append = route.kind == route_kind::stream_events && req.verb == method::post;
  const bool create = append || (route.kind == route_kind::stream && req.verb == method::put);
  if (append) {
    if (auto wait = s.limits->appends.try_take(client_ip, std::chrono::steady_clock::now())) {
      s.metrics.count_limit(telemetry::limit_append_rate);
      response r =
          error_response(429, "rate_limited", "too many appends from this address; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(wait->count()));
      co_return r;
    }
  }
  if (create && s.cfg.max_streams > 0 &&
      s.store.stats().streams >= static_cast<std::int64_t>(s.cfg.max_streams) &&
      core::is_valid_stream_id(route.stream_id)) {
    // At the limit only a request for an existing stream goes on.
    auto info = co_await s.store.info(route.stream_id);
    if (!info && info.error() == make_error_code(errc::stream_not_found)) {
      s.metrics.count_limit(telemetry::limit_max_streams);
      response r = error_response(503, "too_many_streams",
                                  "this node holds --max-streams streams; retry later");
      r.headers.emplace_back("Retry-After", "5");
      co_return r;
    }
  }
  co_return std::nullopt;
}

std::optional<response> take_subscriber_place(services& s, const std::string& stream_id,
                                              auth::counted_hold& hold) {
  if (s.limits == nullptr) {
    return std::nullopt;
  }
  if (!s.limits->subscribers.try_acquire(stream_id)) {
    s.metrics.count_limit(telemetry::limit_subscribers_per_stream);
    response r = error_response(503, "too_many_subscribers",
                                "this stream has --max-subscribers-per-stream subscribers");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  hold = auth::counted_hold(&s.limits->subscribers, stream_id);
  return std::nullopt;
}

std::string token_expired_frame() {
  return "event: error\ndata: {\"error\":\"token_expired\",\"message\":\"the access token "
         "expired; reconnect with a fresh token\"}\n\n";
}

}  // namespace sse::http
