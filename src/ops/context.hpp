#pragma once
// What a stream operation needs to act and to report: the store, the telemetry sink and the
// metrics. http::services extends it (the request-level code passes itself); relay::manager
// takes only this, so relay mode records into streams without knowing the HTTP layer.

#include "store/store.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/sink.hpp"

namespace sse::ops {

struct context {
  store::store& store;
  telemetry::sink& sink;
  telemetry::metrics& metrics;
};

}  // namespace sse::ops
