#include "http/request_life.hpp"

#include "auth/limits.hpp"
#include "core/stream_id.hpp"
#include "durable/door.hpp"
#include "http/access.hpp"
#include "http/access_log.hpp"
#include "http/durable_route.hpp"
#include "http/relay_post.hpp"
#include "http/router.hpp"
#include "http/sse_session.hpp"
#include "http/target.hpp"
#include "http/v1_handlers.hpp"

namespace sse::http {

namespace {

served opened(std::variant<response, ready_stream> v) {
  if (auto* answer = std::get_if<response>(&v)) {
    return std::move(*answer);
  }
  return std::move(std::get<ready_stream>(v));
}

}  // namespace

boost::asio::awaitable<served> serve_request(worker_context& w, session_entry& entry, exchange& ex,
                                             request& req, const request_info& info,
                                             access_note& note) {
  services& s = w.svc();
  s.metrics.http_requests_total.fetch_add(1, std::memory_order_relaxed);
  if (s.durable != nullptr && durable::is_durable_path(split_target(req.target).path)) {
    // The Durable Streams door: its own routing and handlers (src/durable).
    co_return co_await serve_durable(s, entry, ex, req, info, note);
  }
  routed_request routed = route_request(req, s.relay != nullptr);
  const route_match& route = routed.route;
  if (auto refused = stream_id_refusal(route, req.verb)) {
    co_return std::move(*refused);  // before anything acts on the id or logs it
  }
  // Only a well-formed name is logged (OPTIONS and 405 answers skip the id check).
  if (core::is_valid_stream_id(route.stream_id)) {
    (route.kind == route_kind::relay ? note.relay_route : note.stream_id) = route.stream_id;
  }
  if (auto denied = check_access(s, route, req)) {
    co_return std::move(*denied);
  }
  if (auto limited = co_await check_limits(s, route, req, info.client_ip)) {
    co_return std::move(*limited);
  }
  // A stream holds one of its stream's subscriber places while it streams.
  auth::counted_hold subscriber_place;
  switch (routed.kind) {
    case request_kind::answer:
      co_return co_await handle_request(s, route, req);
    case request_kind::subscribe: {
      sse_transport& sink = ex.open_sse();
      if (auto full = take_subscriber_place(s, route.stream_id, subscriber_place)) {
        co_return std::move(*full);
      }
      note.stream_id = route.stream_id;
      co_return opened(co_await open_subscribe(w, entry, sink, route.stream_id, req, info.received,
                                               std::move(subscriber_place)));
    }
    case request_kind::relay_stream:
      break;
  }
  // request_kind::relay_stream: start the upstream call, then answer with the stream it records
  // into.
  auto begun = co_await begin_relay(s, route.stream_id, req, &subscriber_place);
  if (auto* refused = std::get_if<response>(&begun)) {
    co_return std::move(*refused);
  }
  sse_transport& sink = ex.open_sse();
  const std::string& id = std::get<relay_started>(begun).stream_id;
  note.stream_id = id;
  co_return opened(co_await open_subscribe(w, entry, sink, id, req, info.received,
                                           std::move(subscriber_place), true));
}

void log_access(services& s, const request& req, const request_info& info, unsigned status,
                std::uint64_t bytes, const access_note& note) {
  log_access(s, req.method_name, req.target, info, status, bytes, note);
}

void log_access(services& s, std::string_view method, std::string_view target,
                const request_info& info, unsigned status, std::uint64_t bytes,
                const access_note& note) {
  if (!s.cfg.access_log) {
    return;
  }
  access_record r;
  r.method = method;
  r.target = target;
  r.status = status;
  r.bytes = bytes;
  // Set even when the read failed. On s.steady, which the connections stamp `received` with.
  r.duration = s.steady.now() - info.received;
  r.client = info.client_ip;
  r.stream_id = note.stream_id;
  r.relay_route = note.relay_route;
  s.sink.emit(access_event(r));
}

}  // namespace sse::http
