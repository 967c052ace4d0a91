#pragma once
// Parses a gate run's artifacts (tools/load/SCHEMA.md) from their text. Pure: text in, record
// or a problem out. Only schema_version 1 is read; any other version is refused with a message
// naming both versions, so that a history spanning a schema change degrades run by run.

#include <string_view>

#include "dashboard/problem.hpp"
#include "dashboard/run_record.hpp"

namespace sse::dashboard {

/// summary.json. Problems: not JSON, not an object, wrong or missing schema_version, a missing
/// or mistyped required field (date, machine, aggregates, rules, verdict).
outcome<run_summary> parse_summary(std::string_view text);

/// timeseries.json. Problems: not JSON, wrong schema_version, missing window_s or rows, a row
/// that is not an object of numbers and nulls.
outcome<time_series> parse_timeseries(std::string_view text);

}  // namespace sse::dashboard
