#include "http/v1_handlers.hpp"

#include <boost/json/object.hpp>

#include "core/stream_id.hpp"
#include "http/demo_page.hpp"
#include "http/relay_post.hpp"
#include "http/request_body.hpp"
#include "http/stream_json.hpp"
#include "ops/relay_service.hpp"
#include "ops/stream_ops.hpp"
#include "telemetry/health_metrics.hpp"

namespace sse::http {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

response not_found() {
  return error_response(404, "not_found", "no such path");
}

// Seconds as the API writes them: whole when they are (ttl_seconds), else with the fraction a
// --ttl such as 1500ms leaves.
std::string seconds_text(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) {
    return std::to_string(ms.count() / 1000);
  }
  std::string frac = std::to_string(1000 + ms.count() % 1000).substr(1);
  while (frac.back() == '0') {
    frac.pop_back();
  }
  return std::to_string(ms.count() / 1000) + "." + frac;
}

/// A PUT on an existing stream that asks for other limits than it has: each differing field
/// with its current and requested value. nullopt when it asks for nothing, or for the same.
std::optional<std::string> config_difference(const std::string& id,
                                             const store::stream_options& asked,
                                             const store::create_result& has) {
  std::string diffs;
  auto add = [&](std::string_view field, const std::string& current, const std::string& wanted) {
    diffs += (diffs.empty() ? "" : "; ") + std::string(field) + " is " + current + ", requested " +
             wanted;
  };
  if (asked.buffer_limit && *asked.buffer_limit != has.buffer_limit) {
    add("buffer_limit", std::to_string(has.buffer_limit), std::to_string(*asked.buffer_limit));
  }
  if (asked.ttl && *asked.ttl != has.ttl) {
    add("ttl_seconds", seconds_text(has.ttl), seconds_text(*asked.ttl));
  }
  if (diffs.empty()) {
    return std::nullopt;
  }
  return "stream \"" + id + "\" exists with other limits, which a PUT does not change: " + diffs +
         " (DELETE it first to create it anew, or PUT without a body to accept its limits)";
}

awaitable<response> put_stream(services& s, const std::string& id, const request& req) {
  auto options =
      parse_create_body(req.body, stream_option_caps{s.cfg.max_buffer_limit, s.cfg.max_ttl});
  if (!options) {
    co_return error_response(options.error());
  }
  const store::stream_options asked = *options;
  auto r = co_await ops::create_stream(s, id, std::move(*options));
  if (!r) {
    co_return error_response(store_error(r.error(), id));
  }
  if (!r->created) {
    if (auto differs = config_difference(id, asked, *r)) {
      co_return error_response(409, "stream_config_differs", *differs);
    }
  }
  json::object o;
  o["stream"] = id;
  o["epoch"] = r->epoch;
  o["created"] = r->created;
  co_return json_response(r->created ? 201 : 200, o);
}

awaitable<response> get_stream(services& s, const std::string& id) {
  auto r = co_await s.store.info(id);
  if (!r) {
    co_return error_response(store_error(r.error(), id));
  }
  co_return json_response(200, stream_info_json(id, *r));
}

awaitable<response> delete_stream(services& s, const std::string& id) {
  auto r = co_await s.store.remove(id);
  if (!r) {
    co_return error_response(store_error(r.error(), id));
  }
  response out;
  out.status = 204;
  co_return out;
}

awaitable<response> post_events(services& s, const std::string& id, request& req) {
  auto format = event_body_format(req.content_type);
  if (!format) {
    co_return error_response(
        415, "unsupported_media_type",
        "Content-Type must be application/json or application/x-ndjson, not \"" + req.content_type +
            "\"");
  }
  auto producer_seq = parse_producer_seq(req.producer_seq);
  if (!producer_seq) {
    co_return error_response(producer_seq.error());
  }
  auto events = parse_event_body(req.body, *format, s.cfg.max_event_bytes, s.cfg.max_batch_events,
                                 s.cfg.max_body_bytes);
  if (!events) {
    co_return error_response(events.error());
  }
  store::append_request ar;
  ar.stream_id = id;
  ar.events = std::move(*events);
  ar.producer_seq = *producer_seq;
  auto r = co_await ops::append_events(s, std::move(ar));
  if (!r) {
    co_return error_response(store_error(r.error(), id));
  }
  json::object o;
  o["epoch"] = r->epoch;
  o["first_seq"] = r->first_seq;
  o["last_seq"] = r->last_seq;
  o["trimmed"] = r->trimmed;
  co_return json_response(200, o);
}

awaitable<response> post_end(services& s, const std::string& id, const request& req) {
  auto status = parse_end_body(req.body);
  if (!status) {
    co_return error_response(status.error());
  }
  auto r = co_await ops::end_stream(s, id, *status);
  if (!r) {
    co_return error_response(store_error(r.error(), id));
  }
  json::object o;
  o["epoch"] = r->epoch;
  o["last_seq"] = r->last_seq;
  co_return json_response(200, o);
}

response readyz(services& s) {
  const bool ready = s.ready();
  json::object o;
  o["status"] = ready ? "ready" : "not_ready";
  o["store_available"] = s.store.available();
  o["draining"] = s.draining.load(std::memory_order_relaxed);
  return json_response(ready ? 200 : 503, o);
}

response metrics(services& s) {
  const store::store_stats st = s.store.stats();
  response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = s.metrics.render_prometheus(st.streams, st.events_buffered, st.bytes_buffered);
  // The same reading as /readyz, so that an alert on sse_gateway_ready means what a load
  // balancer probing /readyz sees.
  telemetry::health_sample health;
  health.store_available = s.store.available();
  health.ready = s.ready();
  if (st.probes) {
    health.redis_probes = telemetry::probe_counts{st.probes->ok, st.probes->failed};
  }
  telemetry::render_health(r.body, health);
  if (s.relay != nullptr) {
    r.body += s.relay->render_prometheus();
  }
  return r;
}

response demo_current(services& s) {
  if (!s.demo_current) {
    return not_found();
  }
  json::object o;
  if (auto id = s.demo_current()) {
    o["stream"] = *id;
  } else {
    o["stream"] = nullptr;
  }
  return json_response(200, o);
}

/// OPTIONS (RFC 9110 9.3.7): 204 with the methods of the route in `Allow`; the session's CORS
/// step turns that into a preflight's grant. A route of a feature that is off (the demo page
/// without --demo, relay paths without --relay-config) answers 404 like its other methods, so
/// a preflight grants nothing there.
response options_response(const services& s, const route_match& route) {
  const bool off = ((route.kind == route_kind::root || route.kind == route_kind::demo_current) &&
                    !s.demo_current) ||
                   ((route.kind == route_kind::relay || route.kind == route_kind::stream_cancel) &&
                    s.relay == nullptr);
  if (off) {
    return not_found();
  }
  response r;
  r.status = 204;
  r.headers.emplace_back("Allow", std::string(allowed_methods(route.kind)));
  return r;
}

}  // namespace

namespace {

/// POST /v1/relay/{route} without `Accept: text/event-stream`: 201 and where to subscribe (200
/// with created:false for a retry that found its stream).
awaitable<response> post_relay(services& s, const std::string& route_name, request& req) {
  if (s.relay == nullptr) {
    co_return error_response(404, "not_found", "relay mode is off (no --relay-config)");
  }
  auto begun = co_await begin_relay(s, route_name, req, nullptr);
  if (auto* refused = std::get_if<response>(&begun)) {
    co_return std::move(*refused);
  }
  const auto& started = std::get<relay_started>(begun);
  const std::string& id = started.stream_id;
  response r = json_response(started.created ? 201 : 200,
                             json::object{{"stream", id},
                                          {"epoch", started.epoch},
                                          {"events_url", "/v1/streams/" + id + "/events"},
                                          {"created", started.created}});
  r.headers.emplace_back("Stream-Id", id);
  co_return r;
}

/// POST /v1/streams/{id}/cancel: aborts a relay's upstream call and ends it `cancelled`.
awaitable<response> post_cancel(services& s, const std::string& id) {
  if (s.relay == nullptr) {
    co_return error_response(404, "not_found", "relay mode is off (no --relay-config)");
  }
  auto done = co_await s.relay->cancel(id);
  if (!done) {
    co_return error_response(done.error());
  }
  co_return json_response(200, json::object{{"stream", id},
                                            {"epoch", done->epoch},
                                            {"status", "cancelled"},
                                            {"last_seq", done->last_seq}});
}

}  // namespace

std::optional<response> stream_id_refusal(const route_match& route, method m) {
  const bool stream_route =
      route.kind == route_kind::stream || route.kind == route_kind::stream_events ||
      route.kind == route_kind::stream_end || route.kind == route_kind::stream_cancel;
  if (!stream_route || m == method::options || !method_allowed(route.kind, m)) {
    return std::nullopt;
  }
  const std::string& id = route.stream_id;
  if (!core::is_valid_stream_id(id)) {
    return error_response(make_api_error(errc::invalid_stream_id,
                                         "stream ids are 1-128 characters of [A-Za-z0-9._:-]"));
  }
  if (core::is_reserved_stream_id(id)) {
    return error_response(make_api_error(
        errc::invalid_stream_id,
        id.starts_with(core::durable_prefix)
            ? "stream ids may not start with \"ds:\": those are the Durable Streams door's "
              "(/v1/stream/{path})"
            : "stream ids may not start with \"relay:\": those are the scope names of relay "
              "routes"));
  }
  const bool write = m == method::put || m == method::delete_ ||
                     route.kind == route_kind::stream_end ||
                     (route.kind == route_kind::stream_events && m == method::post);
  if (write && core::is_relay_stream_id(id)) {
    return error_response(403, "relay_stream_read_only",
                          "streams whose id starts with \"relay.\" are written only by relay "
                          "mode (POST /v1/relay/{route}); read or cancel them instead");
  }
  return std::nullopt;
}

awaitable<response> handle_request(services& s, const route_match& route, request& req) {
  if (route.kind == route_kind::not_found) {
    co_return not_found();
  }
  if (route.kind == route_kind::server && req.verb != method::options) {
    co_return error_response(400, "bad_request", "the target * is only for OPTIONS");
  }
  if (!method_allowed(route.kind, req.verb)) {
    response r = error_response(405, "method_not_allowed", "method not allowed on this path");
    r.headers.emplace_back("Allow", std::string(allowed_methods(route.kind)));
    co_return r;
  }
  if (req.verb == method::options) {
    co_return options_response(s, route);
  }
  switch (route.kind) {
    case route_kind::root: {
      if (!s.demo_current) {
        co_return not_found();
      }
      response r;
      r.content_type = "text/html; charset=utf-8";
      r.body = demo_page_html();
      co_return r;
    }
    case route_kind::demo_current:
      co_return demo_current(s);
    case route_kind::healthz:
      co_return json_response(200, json::object{{"status", "ok"}});
    case route_kind::readyz:
      co_return readyz(s);
    case route_kind::metrics:
      co_return metrics(s);
    case route_kind::relay:
      co_return co_await post_relay(s, route.stream_id, req);
    default:
      break;
  }

  if (auto refused = stream_id_refusal(route, req.verb)) {
    co_return std::move(*refused);
  }
  const std::string& id = route.stream_id;
  if (route.kind == route_kind::stream) {
    if (req.verb == method::put) {
      co_return co_await put_stream(s, id, req);
    }
    if (req.verb == method::delete_) {
      co_return co_await delete_stream(s, id);
    }
    co_return co_await get_stream(s, id);
  }
  if (route.kind == route_kind::stream_end) {
    co_return co_await post_end(s, id, req);
  }
  if (route.kind == route_kind::stream_cancel) {
    co_return co_await post_cancel(s, id);
  }
  // POST: method_allowed let only GET and POST through, and a GET here is
  // request_kind::subscribe, which never comes to handle_request.
  co_return co_await post_events(s, id, req);
}

}  // namespace sse::http
