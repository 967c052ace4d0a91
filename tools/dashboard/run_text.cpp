#include "dashboard/run_text.hpp"

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

std::string short_commit(const run_summary& s) {
  return s.commit ? s.commit->substr(0, 8) : "no commit";
}

std::string machine_text(const machine_info& m) {
  std::string detail = m.cpu_model;
  if (m.cores > 0) {
    detail += (detail.empty() ? "" : ", ") + std::to_string(m.cores) + " cores";
  }
  std::string out = m.hostname.empty() ? "unknown host" : m.hostname;
  if (!detail.empty()) {
    out += " (" + detail + ")";
  }
  return out;
}

std::string value_text(std::optional<double> v, double scale, const std::string& unit) {
  if (!v) {
    return "n/a";
  }
  return format_number(*v * scale, 4) + (unit.empty() ? "" : " " + unit);
}

std::string comparison_symbol(const std::string& comparison) {
  if (comparison == "<=") {
    return "\u2264";
  }
  if (comparison == ">=") {
    return "\u2265";
  }
  return comparison;
}

std::string gate_text(const rule_record& r, double scale, const std::string& unit) {
  return "gate: " + comparison_symbol(r.comparison) + " " + value_text(r.threshold, scale, unit);
}

std::string run_page_path(const run_record& r) {
  return "runs/" + r.id + ".html";
}

}  // namespace sse::dashboard
