#pragma once
// Reading one sample of the gateway's /metrics (Prometheus text) in tests.

#include <optional>
#include <string_view>

namespace sse::test {

/// The value of the Prometheus sample line `sample` (the metric name with its labels, e.g.
/// `sse_gateway_resumes_total{outcome="success"}`); nullopt when absent or not a number.
std::optional<double> metric_value(std::string_view metrics_text, std::string_view sample);

}  // namespace sse::test
