#pragma once
// The metric names a PromQL expression reads, so that ctest can hold the dashboard and the
// alert rules to what /metrics really exports. A small scanner, not a PromQL
// parser: it knows what is not a metric name (functions, aggregations, keywords, label
// matchers, label lists of by/without/on/ignoring/group_*, strings, ranges, numbers and
// durations, Grafana variables such as $instance and $__rate_interval).

#include <set>
#include <string>
#include <string_view>

namespace sse::test {

/// Every metric name (as written: `x_bucket` stays `x_bucket`) in `promql`. A selector by
/// {__name__="..."} is not seen; the deploy files do not use one.
std::set<std::string> promql_metric_names(std::string_view promql);

/// The series names of a Prometheus text exposition (`x_bucket`, `x_sum`, `x_count` for a
/// histogram or summary, as Prometheus stores them), from its sample lines.
std::set<std::string> exposed_series_names(std::string_view exposition);

}  // namespace sse::test
