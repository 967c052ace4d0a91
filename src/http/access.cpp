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

/// What a request must be allowed: an action on a name (a stream id, or a relay route's name).
struct access_need {
  auth::action a;
  std::string name;
  bool durable = false;  ///< name is a Durable Streams path: the scope is "ds:<path>"
};

/// The action a route and method need; nullopt for routes without access control (health,
/// metrics, demo, CORS preflight) and for methods the route answers with 405 anyway.
std::optional<access_need> needed_access(const route_match& route, method m) {
  const auto kind = route.kind;
  const bool stream_route = kind == route_kind::stream || kind == route_kind::stream_events ||
                            kind == route_kind::stream_end || kind == route_kind::stream_cancel ||
                            kind == route_kind::relay;
  if (!stream_route || m == method::options || !method_allowed(kind, m)) {
    return std::nullopt;
  }
  // A relay call publishes into a stream it creates: its scope names the route, as
  // "relay:<route>" (routes are configured names, not stream ids). Cancelling a relayed call
  // is the route's business too: whoever may start calls there may stop them.
  if (kind == route_kind::relay) {
    return access_need{auth::action::relay, route.stream_id};
  }
  if (kind == route_kind::stream_cancel) {
    if (auto r = core::relay_route_of(route.stream_id)) {
      return access_need{auth::action::relay, std::string(*r)};
    }
  }
  if ((kind == route_kind::stream || kind == route_kind::stream_events) &&
      (m == method::get || m == method::head)) {
    return access_need{auth::action::subscribe, route.stream_id};
  }
  return access_need{auth::action::publish, route.stream_id};
}

std::string_view action_name(auth::action a) noexcept {
  return a == auth::action::subscribe ? "subscribe" : "publish";
}

/// Checks the request's token for `need`; `stream` names the request in telemetry.
std::optional<response> check_token(services& s, const access_need& need, const std::string& stream,
                                    request& req) {
  auth::credentials creds;
  if (req.authorization) {
    creds.authorization = *req.authorization;
  }
  if (req.cookie) {
    creds.cookie_header = *req.cookie;
  }
  std::optional<std::string> query_token;
  if (need.a == auth::action::subscribe) {
    query_token = query_param(split_target(req.target).query, "token");
    if (query_token) {
      creds.query_token = *query_token;
    }
  }
  const auto now = s.clock.now();
  const auto now_unix =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auth::decision d = need.durable ? s.auth->check_durable(need.a, need.name, creds, now_unix)
                                        : s.auth->check(need.a, need.name, creds, now_unix);
  if (d.allowed()) {
    // Clamped to what a time_point holds (year 2262): a later `exp` is "never" here.
    req.access_expires = core::from_unix_seconds(d.expires_unix);
    return std::nullopt;
  }
  const std::string_view reason = auth::to_string(d.reason);
  s.metrics.auth_rejected_total.fetch_add(1, std::memory_order_relaxed);
  s.sink.emit(
      telemetry::event{std::string(telemetry::names::auth_rejected),
                       stream,
                       {{"reason", reason}, {"status", d.status}, {"action", action_name(need.a)}},
                       0});
  if (d.status == 403) {
    return error_response(403, "forbidden", "the token does not allow this action on this stream");
  }
  response r = error_response(401, "unauthorized",
                              "a valid bearer token is required (" + std::string(reason) + ")");
  r.headers.emplace_back("WWW-Authenticate", auth::authenticator::challenge(d.reason));
  return r;
}

/// A limit's own Retry-After in place of error_response's default for a 503.
void set_retry_after(response& r, std::string_view seconds) {
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Retry-After"; });
  r.headers.emplace_back("Retry-After", std::string(seconds));
}

}  // namespace

std::optional<response> check_access(services& s, const route_match& route, request& req) {
  if (s.auth == nullptr) {
    return std::nullopt;
  }
  const auto need = needed_access(route, req.verb);
  if (!need) {
    return std::nullopt;
  }
  return check_token(s, *need, route.stream_id, req);
}

std::optional<response> check_durable_token(services& s, auth::action a, std::string_view path,
                                            const std::string& stream, request& req) {
  if (s.auth == nullptr) {
    return std::nullopt;
  }
  return check_token(s, access_need{a, std::string(path), true}, stream, req);
}

std::optional<response> check_subscribe_access(services& s, const std::string& stream_id,
                                               request& req) {
  if (s.auth == nullptr) {
    return std::nullopt;
  }
  const auto expires = req.access_expires;
  auto denied = check_token(s, access_need{auth::action::subscribe, stream_id}, stream_id, req);
  // The request's own access (its publish token) keeps deciding when the answer ends.
  if (!denied && expires) {
    req.access_expires = std::min(*expires, *req.access_expires);
  }
  return denied;
}

net::awaitable<std::optional<response>> check_limits(services& s, const route_match& route,
                                                     const request& req,
                                                     const std::string& client_ip) {
  if (s.limits == nullptr) {
    co_return std::nullopt;
  }
  const bool append = route.kind == route_kind::stream_events && req.verb == method::post;
  const bool create = append || (route.kind == route_kind::stream && req.verb == method::put);
  // A relay call writes a stream as an append does (and costs an upstream call): it takes from
  // the same per-address bucket. Its stream count is checked once its id is known (relay_post).
  const bool relay = route.kind == route_kind::relay && req.verb == method::post;
  if (append || relay) {
    if (auto wait = s.limits->appends.try_take(client_ip, s.steady.now())) {
      s.metrics.count_limit(telemetry::limit_append_rate);
      response r =
          error_response(429, "rate_limited",
                         relay ? "too many relay calls and appends from this address; retry later"
                               : "too many appends from this address; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(wait->count()));
      co_return r;
    }
  }
  if (create && core::is_valid_stream_id(route.stream_id)) {
    co_return co_await check_stream_room(s, route.stream_id);
  }
  co_return std::nullopt;
}

net::awaitable<std::optional<response>> check_stream_room(services& s,
                                                          const std::string& stream_id) {
  if (s.limits == nullptr || s.cfg.max_streams == 0 ||
      s.store.stats().streams < static_cast<std::int64_t>(s.cfg.max_streams)) {
    co_return std::nullopt;
  }
  // At the limit only a request for an existing stream goes on.
  auto info = co_await s.store.info(stream_id);
  if (!info && info.error() == make_error_code(errc::stream_not_found)) {
    s.metrics.count_limit(telemetry::limit_max_streams);
    response r = error_response(503, "too_many_streams",
                                "this node holds --max-streams streams; retry later");
    set_retry_after(r, "5");
    co_return r;
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
    set_retry_after(r, "5");
    return r;
  }
  hold = auth::counted_hold(&s.limits->subscribers, stream_id);
  return std::nullopt;
}

std::string token_expired_frame() {
  return "event: auth_expired\ndata: {\"error\":\"token_expired\",\"message\":\"the access token "
         "expired; reconnect with a fresh token\"}\n\n";
}

}  // namespace sse::http
