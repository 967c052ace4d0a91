#include "ops/stream_ops.hpp"

#include "telemetry/names.hpp"

namespace sse::ops {

void report_created(context& s, const std::string& id, const std::string& epoch) {
  s.metrics.streams_created_total.fetch_add(1, std::memory_order_relaxed);
  telemetry::event e{std::string(telemetry::names::stream_created), id, {}, 0};
  e.fields["epoch"] = epoch;
  s.sink.emit(std::move(e));
}

boost::asio::awaitable<result<store::create_result>> create_stream(context& s, std::string id,
                                                                   store::stream_options options) {
  auto r = co_await s.store.create(id, std::move(options));
  if (r && r->created) {
    report_created(s, id, r->epoch);
  }
  co_return r;
}

boost::asio::awaitable<result<store::append_result>> append_events(context& s,
                                                                   store::append_request request) {
  const std::string id = request.stream_id;
  const std::size_t count = request.events.size();
  auto r = co_await s.store.append(std::move(request));
  if (!r || r->duplicate) {
    co_return r;
  }
  report_appended(s, id, count, *r);
  co_return r;
}

void report_appended(context& s, const std::string& id, std::size_t count,
                     const store::append_result& r) {
  if (r.created) {
    report_created(s, id, r.epoch);
  }
  s.metrics.events_appended_total.fetch_add(count, std::memory_order_relaxed);
  s.metrics.events_trimmed_total.fetch_add(r.evicted.size(), std::memory_order_relaxed);
  for (const auto& t : r.evicted) {
    telemetry::event e{std::string(telemetry::names::buffer_trimmed), id, {}, 0};
    e.fields["epoch"] = r.epoch;
    e.fields["seq"] = t.seq;
    e.fields["priority"] = t.priority;
    e.fields["size_bytes"] = t.size_bytes;
    // A superseded event (older than the latest checkpoint, evicted first) is a trim like any
    // other: counted in events_trimmed_total and the stream's trimmed count, told apart here.
    e.fields["reason"] = t.superseded ? "superseded" : "buffer_limit";
    s.sink.emit(std::move(e));
  }
}

void report_ended(context& s, const std::string& id, store::stream_status status,
                  const store::end_result& r) {
  if (r.already_ended) {
    return;
  }
  s.metrics.streams_ended_total.fetch_add(1, std::memory_order_relaxed);
  telemetry::event e{std::string(telemetry::names::stream_ended), id, {}, 0};
  e.fields["epoch"] = r.epoch;
  e.fields["status"] = store::to_string(status);
  e.fields["last_seq"] = r.last_seq;
  s.sink.emit(std::move(e));
}

boost::asio::awaitable<result<store::end_result>> end_stream(context& s, std::string id,
                                                             store::stream_status status) {
  auto r = co_await s.store.end(id, status);
  if (r) {
    report_ended(s, id, status, *r);
  }
  co_return r;
}

}  // namespace sse::ops
