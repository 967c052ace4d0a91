#pragma once
// Plain-text descriptions of runs and values, shared by the pages (escaped by the caller).

#include <optional>
#include <string>

#include "dashboard/run_record.hpp"

namespace sse::dashboard {

/// First 8 characters of the commit, or "no commit".
std::string short_commit(const run_summary& s);
/// "host (cpu model, N cores)", leaving out what is unknown.
std::string machine_text(const machine_info& m);
/// A value with its display scale and unit ("3.25 ms", "99.5 %"), or "n/a".
std::string value_text(std::optional<double> v, double scale, const std::string& unit);
/// "≤" for "<=", "≥" for ">=", anything else as it is.
std::string comparison_symbol(const std::string& comparison);
/// "gate: ≤ 500 ms".
std::string gate_text(const rule_record& r, double scale, const std::string& unit);
/// Run page file name relative to the site root: "runs/<id>.html".
std::string run_page_path(const run_record& r);

}  // namespace sse::dashboard
