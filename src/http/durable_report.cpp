#include "http/durable_report.hpp"

#include "ops/stream_ops.hpp"

namespace sse::http {

void durable_report::appended(const std::string& id, std::size_t count,
                              const store::append_result& r) {
  ops::report_appended(ctx_, id, count, r);
}

void durable_report::ended(const std::string& id, const store::end_result& r) {
  // Stream-Closed is the door's only way to end a stream.
  ops::report_ended(ctx_, id, store::stream_status::completed, r);
}

void durable_report::append_accepted() {
  ctx_.metrics.durable_appends_total.fetch_add(1, std::memory_order_relaxed);
}

void durable_report::read(durable::read_mode mode) {
  ctx_.metrics.durable_reads_total[static_cast<std::size_t>(mode)].fetch_add(
      1, std::memory_order_relaxed);
}

void durable_report::sse_data_written() {
  ctx_.metrics.durable_sse_data_events_total.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sse::http
