#include "dashboard/run_record.hpp"

namespace sse::dashboard {

const rule_record* run_summary::find_rule(const std::string& name) const {
  for (const rule_record& r : rules) {
    if (r.name == name) {
      return &r;
    }
  }
  return nullptr;
}

std::optional<double> run_summary::aggregate(const std::string& key) const {
  const auto it = aggregates.find(key);
  if (it == aggregates.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::size_t> time_series::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace sse::dashboard
