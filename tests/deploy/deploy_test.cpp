// deploy/: the Grafana dashboard and the Prometheus alert rules name only metrics
// that a real gateway exports, are well formed, and (where promtool is installed) pass
// `promtool check rules` and the rule unit tests in deploy/prometheus/alerts_test.yml.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bounded_wait.hpp"
#include "deploy_files.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "promql_names.hpp"
#include "redis_server.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path deploy_dir = SSE_DEPLOY_DIR;
const fs::path dashboard_path = deploy_dir / "grafana" / "sse-gateway.json";
const fs::path rules_path = deploy_dir / "prometheus" / "alerts.yml";
const fs::path rules_test_path = deploy_dir / "prometheus" / "alerts_test.yml";

/// Series Prometheus makes itself for every scrape target: not the gateway's to export.
const std::set<std::string> prometheus_series{"up"};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + p.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

deploy_file dashboard() {
  return read_dashboard(boost::json::parse(read_text(dashboard_path)));
}
deploy_file rules() {
  return read_alert_rules(read_text(rules_path));
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += "  " + l + "\n";
  }
  return out;
}

/// Each metric `uses` reads that `exposed` lacks, with where it is used.
std::map<std::string, std::set<std::string>> missing_metrics(const std::vector<promql_use>& uses,
                                                             const std::set<std::string>& exposed) {
  std::map<std::string, std::set<std::string>> missing;
  for (const promql_use& u : uses) {
    for (const std::string& name : promql_metric_names(u.expr)) {
      if (exposed.count(name) == 0 && prometheus_series.count(name) == 0) {
        missing[name].insert(u.where);
      }
    }
  }
  return missing;
}

std::string describe(const std::map<std::string, std::set<std::string>>& missing) {
  std::string out;
  for (const auto& [name, where] : missing) {
    out += "  " + name + " (used by";
    for (const auto& w : where) {
      out += " [" + w + "]";
    }
    out += ")\n";
  }
  return out;
}

// ---- the scanner itself ----

TEST(promql_names, finds_metrics_and_skips_functions_labels_and_variables) {
  EXPECT_EQ(promql_metric_names("histogram_quantile(0.99, sum by (le) (rate("
                                "lat_seconds_bucket{instance=~\"$instance\"}[$__rate_interval])))"),
            (std::set<std::string>{"lat_seconds_bucket"}));
  EXPECT_EQ(promql_metric_names("up{job=\"sse-gateway\"} == 0 or ready == 0"),
            (std::set<std::string>{"up", "ready"}));
  EXPECT_EQ(promql_metric_names("sum without (route) (a) / on (instance) group_left(pod) b "
                                "offset 5m > bool 1e-3 unless c"),
            (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(promql_metric_names("label_replace(x, \"dst\", \"$1 not_a_metric\", \"src\", "
                                "\"(.*)\") * 0x1F + Inf - NaN"),
            (std::set<std::string>{"x"}));
  EXPECT_EQ(promql_metric_names("sum(rate(x[5m:1m])) by (outcome)\n# comment names y\n + z"),
            (std::set<std::string>{"x", "z"}));
  EXPECT_EQ(promql_metric_names("max_over_time(ns:x:rate5m[${window}])"),
            (std::set<std::string>{"ns:x:rate5m"}));
}

TEST(promql_names, exposition_gives_series_names_with_histogram_suffixes) {
  const auto names = exposed_series_names(
      "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\n"
      "h_sum 0\nh_count 0\n# TYPE g gauge\ng 3\n");
  EXPECT_EQ(names, (std::set<std::string>{"h_bucket", "h_sum", "h_count", "g"}));
}

TEST(promql_names, a_made_up_metric_is_reported_with_where_it_is_used) {
  const std::vector<promql_use> uses{{"panel 1", "rate(real_total[5m])"},
                                     {"alert X", "up == 0 or made_up_total > 0"}};
  const auto missing = missing_metrics(uses, {"real_total"});
  ASSERT_EQ(missing.size(), 1u) << describe(missing);
  EXPECT_EQ(missing.begin()->first, "made_up_total");
  EXPECT_EQ(missing.begin()->second, (std::set<std::string>{"alert X"}));
}

// ---- the files' structure ----

TEST(deploy_files, dashboard_is_well_formed) {
  const deploy_file d = dashboard();
  EXPECT_TRUE(d.problems.empty()) << dashboard_path << ":\n" << joined(d.problems);
  EXPECT_GE(d.exprs.size(), 20u) << "fewer expressions than the dashboard has: a reader bug?";
}

TEST(deploy_files, alert_rules_are_well_formed) {
  const deploy_file r = rules();
  EXPECT_TRUE(r.problems.empty()) << rules_path << ":\n" << joined(r.problems);
  EXPECT_GE(r.exprs.size(), 5u) << "fewer expressions than the rules have: a reader bug?";
}

TEST(deploy_files, the_readers_catch_what_they_check) {
  const auto d = read_dashboard(boost::json::parse(R"json({
    "title": "t", "uid": "u", "schemaVersion": 38,
    "templating": {"list": [{"name": "DS_PROMETHEUS", "type": "datasource"}]},
    "panels": [
      {"id": 1, "type": "timeseries", "title": "a", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
       "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
       "targets": [{"refId": "A", "expr": "rate(x[5m])"}]},
      {"id": 1, "type": "timeseries", "title": "b", "gridPos": {"x": 6, "y": 0, "w": 12, "h": 8},
       "targets": []}]})json"));
  const std::string problems = joined(d.problems);
  for (const char* expected : {"no `instance` variable", "ignores the $instance variable",
                               "id used twice", "overlaps", "datasource is not", "no targets"}) {
    EXPECT_NE(problems.find(expected), std::string::npos) << expected << " in\n" << problems;
  }
  const auto r = read_alert_rules(
      "groups:\n  - name: g\n    rules:\n      - alert: A\n"
      "        expr: |\n          x\n            > 0\n        labels:\n"
      "          severity: page\n");
  ASSERT_EQ(r.exprs.size(), 1u);
  EXPECT_EQ(r.exprs[0].expr, "          x\n            > 0\n");
  const std::string rule_problems = joined(r.problems);
  for (const char* expected : {"no `for:`", "no `summary:`", "no `runbook_url:`"}) {
    EXPECT_NE(rule_problems.find(expected), std::string::npos) << expected << rule_problems;
  }
}

// ---- against a real gateway ----

/// One gateway for the suite with everything that shows a metric family: the Redis store (the
/// probe), a relay route (the sse_relay_* families are per route). The route's upstream is
/// never called.
class deploy_metrics : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = std::make_unique<redis_server>();
    dir_ = std::make_unique<temp_dir>("deploy_metrics");
    const fs::path routes = dir_->path() / "routes.json";
    std::ofstream(routes) << R"({"routes":[{"name":"chat","url":"http://127.0.0.1:9/v1/chat"}]})";
    gateway_options o;
    o.name = "deploy";
    o.args = {"--store", redis_->url(), "--relay-config", routes.string()};
    gw_ = std::make_unique<gateway_process>(o);
    http_client c(gw_->host(), gw_->port());
    const bool ready =
        bounded_wait([&] { return c.request("GET", "/readyz").status == 200; }, 10s, 50ms);
    ASSERT_TRUE(ready) << gw_->diagnostics();
    const auto r = c.request("GET", "/metrics");
    ASSERT_EQ(r.status, 200) << r.body;
    scrape_ = r.body;
  }
  static void TearDownTestSuite() {
    gw_.reset();
    redis_.reset();
    dir_.reset();
  }

  static std::set<std::string> exposed() { return exposed_series_names(scrape_); }

  static inline std::unique_ptr<redis_server> redis_;
  static inline std::unique_ptr<temp_dir> dir_;
  static inline std::unique_ptr<gateway_process> gw_;
  static inline std::string scrape_;
};

TEST_F(deploy_metrics, the_gateway_exports_every_metric_the_dashboard_uses) {
  ASSERT_FALSE(scrape_.empty());
  const auto missing = missing_metrics(dashboard().exprs, exposed());
  EXPECT_TRUE(missing.empty()) << dashboard_path << " uses metrics the gateway does not export:\n"
                               << describe(missing) << "its /metrics:\n"
                               << scrape_;
}

TEST_F(deploy_metrics, the_gateway_exports_every_metric_the_alert_rules_use) {
  ASSERT_FALSE(scrape_.empty());
  const auto missing = missing_metrics(rules().exprs, exposed());
  EXPECT_TRUE(missing.empty()) << rules_path << " uses metrics the gateway does not export:\n"
                               << describe(missing) << "its /metrics:\n"
                               << scrape_;
}

TEST_F(deploy_metrics, the_health_gauges_read_ready_on_a_ready_redis_node) {
  ASSERT_FALSE(scrape_.empty());
  EXPECT_NE(scrape_.find("\nsse_gateway_ready 1\n"), std::string::npos) << scrape_;
  EXPECT_NE(scrape_.find("\nsse_gateway_store_available 1\n"), std::string::npos) << scrape_;
  EXPECT_NE(scrape_.find("\nsse_gateway_redis_probes_total{outcome=\"failed\"} "),
            std::string::npos)
      << scrape_;
}

TEST(deploy_health, the_gauges_fall_to_zero_when_redis_goes_away_and_return) {
  redis_server redis;
  gateway_options o;
  o.name = "deploy-health";
  o.args = {"--store", redis.url()};
  gateway_process gw(o);
  http_client c(gw.host(), gw.port());
  const auto gauges = [&] {
    const std::string m = c.request("GET", "/metrics").body;
    return std::pair{m.find("\nsse_gateway_store_available 1\n") != std::string::npos,
                     m.find("\nsse_gateway_ready 1\n") != std::string::npos};
  };
  ASSERT_TRUE(bounded_wait(
      [&] {
        return gauges() == std::pair{true, true};
      },
      10s, 50ms))
      << gw.diagnostics();
  redis.stop(false);
  EXPECT_TRUE(bounded_wait(
      [&] {
        return gauges() == std::pair{false, false};
      },
      15s, 50ms))
      << c.request("GET", "/metrics").body << gw.diagnostics();
  EXPECT_EQ(c.request("GET", "/readyz").status, 503);  // what the gauges stand for
  redis.start();
  EXPECT_TRUE(bounded_wait(
      [&] {
        return gauges() == std::pair{true, true};
      },
      15s, 50ms))
      << gw.diagnostics();
}

// ---- promtool (Debian's prometheus package; scripts/bootstrap.sh installs it) ----

std::optional<std::string> find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return std::nullopt;
}

/// Runs a command (bounded by `timeout`), returns {exit status, stdout+stderr}.
std::pair<int, std::string> run(const std::string& command) {
  std::string output;
  FILE* p = ::popen(("timeout 60 " + command + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    return {-1, "popen failed"};
  }
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
    output.append(buf, n);
  }
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(promtool, checks_the_rules_and_runs_their_unit_tests) {
  const auto promtool = find_on_path("promtool");
  if (!promtool) {
    GTEST_SKIP() << "promtool is not installed (Debian package `prometheus`, which "
                    "scripts/bootstrap.sh installs): `promtool check rules` and "
                    "`promtool test rules` of deploy/prometheus were not run";
  }
  const auto [check_status, check_out] =
      run(*promtool + " check rules '" + rules_path.string() + "'");
  EXPECT_EQ(check_status, 0) << check_out;
  const auto [test_status, test_out] =
      run(*promtool + " test rules '" + rules_test_path.string() + "'");
  EXPECT_EQ(test_status, 0) << test_out;
}

/// A rules file with one recording rule per dashboard expression, Grafana's variables given
/// values as Grafana would ($instance: All), so that promtool parses the dashboard's PromQL.
std::string dashboard_as_rules(const std::vector<promql_use>& uses) {
  const auto replace_all = [](std::string s, const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
    return s;
  };
  std::string out = "groups:\n  - name: dashboard\n    rules:\n";
  int n = 0;
  for (const promql_use& u : uses) {
    std::string expr = replace_all(u.expr, "$__rate_interval", "5m");
    expr = replace_all(expr, "$instance", ".*");
    out += "      # " + replace_all(u.where, "\n", " ") + "\n";
    out += "      - record: dashboard_expr_" + std::to_string(++n) + "\n        expr: |\n";
    std::istringstream lines(expr);
    for (std::string line; std::getline(lines, line);) {
      out += "          " + line + "\n";
    }
  }
  return out;
}

TEST(promtool, parses_every_dashboard_expression) {
  const auto promtool = find_on_path("promtool");
  if (!promtool) {
    GTEST_SKIP() << "promtool is not installed (Debian package `prometheus`, which "
                    "scripts/bootstrap.sh installs): the dashboard's PromQL was not parsed";
  }
  temp_dir dir("deploy_promql");
  const fs::path file = dir.path() / "dashboard_rules.yml";
  std::ofstream(file) << dashboard_as_rules(dashboard().exprs);
  const auto [status, out] = run(*promtool + " check rules '" + file.string() + "'");
  EXPECT_EQ(status, 0) << out << "\n" << read_file_text(file);
}

}  // namespace
}  // namespace sse::test
