#include "http/durable_access.hpp"

#include "core/saturate.hpp"
#include "http/access.hpp"
#include "http/api_error.hpp"
#include "telemetry/metrics.hpp"

namespace sse::http {
namespace {

namespace net = boost::asio;

/// The action a method needs on the door; nullopt for OPTIONS and methods the door answers
/// with 405.
std::optional<auth::action> needed_action(method m) {
  switch (m) {
    case method::get:
    case method::head:
      return auth::action::subscribe;
    case method::put:
    case method::post:
    case method::delete_:
      return auth::action::publish;
    default:
      return std::nullopt;
  }
}

}  // namespace

net::awaitable<std::optional<response>> admit_durable(services& s, request& req,
                                                      durable::request& dr,
                                                      const std::string& client_ip,
                                                      auth::counted_hold& place,
                                                      std::string& stream_id) {
  const std::string_view path = durable::path_in_target(req.target);
  auto id = durable::store_id_for_path(path);
  const auto action = needed_action(req.verb);
  if (!id || !action) {
    co_return std::nullopt;  // the door answers 400 or 405 and touches no stream
  }
  stream_id = *id;
  if (auto denied = check_durable_token(s, *action, path, *id, req)) {
    co_return std::move(*denied);
  }
  const bool fork = req.verb == method::put && dr.header("Stream-Forked-From").has_value();
  if (fork) {
    // A fork reads its source: it needs what a reader of the source needs.
    const std::string source = durable::fork_source_path(*dr.header("Stream-Forked-From"));
    const auto access = req.access_expires;
    auto source_id = durable::store_id_for_path(source);
    if (auto denied =
            check_durable_token(s, auth::action::subscribe, source, source_id.value_or(*id), req)) {
      co_return std::move(*denied);
    }
    req.access_expires = access;
  }
  if (req.access_expires) {
    // Wall-clock expiry turned into the door's monotonic clock (its live reads compare it with
    // that clock), clamped as v1's subscriptions do.
    dr.live_until =
        core::saturating_add(s.durable->clock().now(), *req.access_expires - s.clock.now());
  }
  if (s.limits == nullptr) {
    co_return std::nullopt;
  }
  if (req.verb == method::post) {
    if (auto wait = s.limits->appends.try_take(client_ip, s.steady.now())) {
      s.metrics.count_limit(telemetry::limit_append_rate);
      response r =
          error_response(429, "rate_limited", "too many appends from this address; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(wait->count()));
      co_return r;
    }
  }
  if (req.verb == method::put) {
    co_return co_await check_stream_room(s, *id);
  }
  if (s.durable->is_live(dr)) {
    co_return take_subscriber_place(s, *id, place);
  }
  co_return std::nullopt;
}

}  // namespace sse::http
