#pragma once
// What the Durable Streams door did, told to /metrics and telemetry as API v1 tells its own:
// SseStreamCreated, SseBufferTrimmed and SseStreamEnded through ops' reporters, and the door's
// own counters (sse_gateway_durable_*).

#include <cstddef>
#include <string>

#include "durable/door.hpp"
#include "ops/context.hpp"

namespace sse::http {

class durable_report final : public durable::observer {
 public:
  /// `ctx` holds references to the gateway's store, sink and metrics, which outlive the door.
  explicit durable_report(ops::context ctx) : ctx_(ctx) {}

  void appended(const std::string& id, std::size_t count, const store::append_result& r) override;
  void ended(const std::string& id, const store::end_result& r) override;
  void append_accepted() override;
  void read(durable::read_mode mode) override;
  void sse_data_written() override;

 private:
  ops::context ctx_;
};

}  // namespace sse::http
