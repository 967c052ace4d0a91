#pragma once
// Reads the operator files of deploy/ for ctest: the Grafana dashboard (JSON) and the
// Prometheus alert rules (YAML), giving every PromQL expression they hold, where it stands, and
// what is wrong with their structure.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sse::test {

struct promql_use {
  std::string where;  ///< e.g. `panel 7 "Appends / s" target A`, `alert SseGatewayNotReady`
  std::string expr;
};

struct deploy_file {
  std::vector<promql_use> exprs;
  std::vector<std::string> problems;  ///< empty: the structure is as this test requires
};

/// Panels (rows' collapsed panels too) need a unique integer id, a type, a title and a gridPos
/// inside the 24 columns not overlapping another; every panel but a row a Prometheus datasource
/// of ${DS_PROMETHEUS} and targets, each with a unique refId and an expr that filters on
/// $instance. The dashboard needs a DS_PROMETHEUS input or datasource variable and an
/// `instance` variable. Query variables' PromQL (inside label_values(...)) is read too.
deploy_file read_dashboard(const boost::json::value& dashboard);

/// Every rule's `expr:` (one line, or a `|` / `>` block below it); every alerting rule needs
/// `for:`, a `severity:` label and summary, description and runbook_url annotations. Reads
/// the layout alerts.yml is written in (one key per line, `- alert:` opening a rule), not any
/// YAML; promtool, where installed, checks the file as Prometheus reads it.
deploy_file read_alert_rules(std::string_view yaml_text);

}  // namespace sse::test
