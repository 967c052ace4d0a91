#include "dashboard/index_page.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "dashboard/html_text.hpp"
#include "dashboard/page_layout.hpp"
#include "dashboard/run_text.hpp"
#include "dashboard/svg_chart.hpp"
#include "dashboard/trends.hpp"

namespace sse::dashboard {

namespace {

/// "gate: ≤ 500 ms" from the group's latest run that has the metric's rule.
std::string gate_label(const trend_metric& m, const std::vector<run_record>& runs,
                       const trend_group& g) {
  for (auto it = g.runs.rbegin(); it != g.runs.rend(); ++it) {
    if (const rule_record* r = runs[*it].summary.find_rule(m.rule);
        r != nullptr && !m.rule.empty()) {
      return gate_text(*r, m.scale, m.unit);
    }
  }
  return {};
}

/// X axis labels: the short commit when every run of the group has its own, else the run's
/// number in the history (several runs of one commit would all read the same).
std::vector<std::string> run_labels(const std::vector<run_record>& runs, const trend_group& g) {
  std::set<std::string> commits;
  for (const std::size_t i : g.runs) {
    commits.insert(short_commit(runs[i].summary));
  }
  std::vector<std::string> labels;
  for (const std::size_t i : g.runs) {
    labels.push_back(commits.size() == g.runs.size() ? short_commit(runs[i].summary)
                                                     : "#" + std::to_string(i + 1));
  }
  return labels;
}

std::string point_tooltip(const run_record& r, std::size_t run, const metric_trend& t,
                          std::size_t p) {
  const trend_metric& m = *t.metric;
  std::string tip = "run #" + std::to_string(run + 1) + "\n";
  tip += "commit " + (r.summary.commit ? *r.summary.commit : "unknown") + "\n";
  tip += "date " + r.summary.date + "\n";
  tip += "machine " + machine_text(r.summary.machine) + "\n";
  tip += m.title + ": " + value_text(t.values[p], m.scale, m.unit) + "\n";
  if (t.thresholds[p]) {
    tip += "threshold in force: " + value_text(t.thresholds[p], m.scale, m.unit) + "\n";
  }
  tip += "verdict " + r.summary.verdict;
  if (t.checks[p].regression) {
    tip += "\nREGRESSION: baseline median " + value_text(t.checks[p].baseline, m.scale, m.unit);
  }
  return tip;
}

/// Element id of a group's chart: "trend-<chart key>-g<group number>".
std::string chart_id(const std::string& key, std::size_t group) {
  return "trend-" + key + "-g" + std::to_string(group + 1);
}

std::vector<chart_point> run_points(const metric_trend& t, const std::vector<run_record>& runs,
                                    const trend_group& g) {
  const std::vector<std::string> labels = run_labels(runs, g);
  std::vector<chart_point> points;
  for (std::size_t p = 0; p < g.runs.size(); ++p) {
    const run_record& r = runs[g.runs[p]];
    points.push_back({t.values[p], labels[p], r.id, run_page_path(r),
                      point_tooltip(r, g.runs[p], t, p), t.checks[p].regression,
                      r.summary.verdict != "pass"});
  }
  return points;
}

/// One chart: a metric's trend, or the trends of the metrics sharing a chart as its series (a
/// further series that no run of the group has, redis-server's CPU on the memory store, is left
/// out).
std::string trend_chart(const std::vector<const metric_trend*>& series,
                        const std::vector<run_record>& runs, const trend_group& g,
                        std::size_t group) {
  const metric_trend& t = *series.front();
  const trend_metric& m = *t.metric;
  const std::string title = m.chart_title.empty() ? m.title : m.chart_title;
  line_chart c;
  c.id = chart_id(m.chart_key(), group);
  c.title = title + " across runs (" + setup_text(g.setup) + ")";
  c.unit = m.unit;
  c.scale = m.scale;
  c.log_scale = m.unit == "ms";
  c.gap_when_missing = m.gap_when_missing;
  c.threshold_label = gate_label(m, runs, g);
  if (!c.threshold_label.empty()) {
    c.thresholds = t.thresholds;
  }
  c.points = run_points(t, runs, g);
  if (series.size() > 1) {
    c.series_name = m.series;
    for (std::size_t k = 1; k < series.size(); ++k) {
      const metric_trend& more = *series[k];
      if (std::any_of(more.values.begin(), more.values.end(),
                      [](const std::optional<double>& v) { return v.has_value(); })) {
        c.more_series.push_back({more.metric->series, run_points(more, runs, g)});
      }
    }
  }
  std::string out = "<figure class=\"card\" data-metric=\"" + escape_html(m.chart_key()) + "\">";
  out += "<figcaption><h3>" + escape_html(title) + "</h3><span class=\"gate\">" +
         escape_html(c.threshold_label.empty() ? "no gate rule" : c.threshold_label) +
         "</span></figcaption>";
  out += render_line_chart(c);
  out += "</figure>";
  return out;
}

std::string regressions_section(const std::vector<regression_flag>& flags,
                                const std::vector<run_record>& runs, const regression_options& o) {
  const std::string rule =
      "worse than the median of the previous " + std::to_string(o.baseline_runs) +
      " runs on the same store and load by more than " + format_number(o.margin * 100, 3) + " %";
  std::string floors;
  for (const trend_metric& m : trend_metrics()) {
    floors +=
        (floors.empty() ? "" : ", ") + m.title + " " + value_text(m.noise_floor, m.scale, m.unit);
  }
  const std::string floors_html =
      "<div class=\"muted\">Smaller changes are noise and never flagged: " + escape_html(floors) +
      ".</div>";
  std::string out = "<section id=\"regressions\">";
  if (flags.empty()) {
    out += "<div class=\"banner ok\">No regression flagged (a run is flagged when a metric is " +
           escape_html(rule) + ")." + floors_html + "</div>";
    return out + "</section>";
  }
  out += "<div class=\"banner bad\"><strong>" + std::to_string(flags.size()) +
         " regression(s) flagged</strong> <span class=\"muted\">(" + escape_html(rule) +
         ")</span><ul>";
  for (const regression_flag& f : flags) {
    const run_record& r = runs[f.run];
    const trend_metric& m = *f.metric;
    out += "<li class=\"regression\" data-run=\"" + escape_html(r.id) + "\" data-metric=\"" +
           escape_html(m.id) + "\"><a href=\"" + escape_html(run_page_path(r)) + "\">" +
           escape_html(r.summary.date + " " + short_commit(r.summary)) + "</a> (" +
           escape_html(setup_text(setup_of(r.summary))) + "): " + escape_html(m.title) + " " +
           escape_html(value_text(f.value, m.scale, m.unit)) + " vs baseline " +
           escape_html(value_text(f.baseline, m.scale, m.unit)) + " (" +
           escape_html(describe_change(f)) + ")</li>";
  }
  return out + "</ul>" + floors_html + "</div></section>";
}

std::string skipped_section(const std::vector<skipped_run>& skipped) {
  if (skipped.empty()) {
    return {};
  }
  std::string out = "<section id=\"skipped\"><div class=\"banner warn\"><strong>" +
                    std::to_string(skipped.size()) +
                    " skipped run(s)</strong> (unreadable, partial or another schema "
                    "version):<ul>";
  for (const skipped_run& s : skipped) {
    out += "<li class=\"skipped\"><code>" + escape_html(s.name) +
           "</code>: " + escape_html(s.reason) + "</li>";
  }
  return out + "</ul></div></section>";
}

std::string setup_errors_section(const std::vector<run_record>& runs) {
  const std::vector<std::size_t> failed = setup_error_runs(runs);
  if (failed.empty()) {
    return {};
  }
  std::string out = "<section id=\"setup-errors\"><div class=\"banner warn\"><strong>" +
                    std::to_string(failed.size()) +
                    " run(s) never ran</strong> (stopped by a setup error: their figures measure "
                    "the breakdown, not the gateway, so they are not on the trend charts):<ul>";
  for (const std::size_t i : failed) {
    const run_record& r = runs[i];
    out += "<li class=\"setup-error\" data-run=\"" + escape_html(r.id) + "\"><a href=\"" +
           escape_html(run_page_path(r)) + "\">" +
           escape_html(r.summary.date + " " + short_commit(r.summary)) + "</a> (" +
           escape_html(setup_text(setup_of(r.summary))) + "): <span class=\"error-text\">" +
           escape_html(*r.summary.setup_error) + "</span></li>";
  }
  return out + "</ul></div></section>";
}

/// Where run i sits in the groups: (group, position), or none for a run that never ran.
std::vector<std::optional<std::pair<std::size_t, std::size_t>>> group_places(
    std::size_t run_count, const std::vector<trend_group>& groups) {
  std::vector<std::optional<std::pair<std::size_t, std::size_t>>> places(run_count);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (std::size_t p = 0; p < groups[g].runs.size(); ++p) {
      places[groups[g].runs[p]] = std::pair{g, p};
    }
  }
  return places;
}

std::string runs_table(const std::vector<run_record>& runs,
                       const std::vector<trend_group>& groups) {
  std::string out =
      "<section id=\"runs\"><h2>Runs</h2><table><thead><tr><th>#</th>"
      "<th>date</th><th>commit</th><th>store</th><th>load</th><th>machine</th><th>verdict</th>";
  for (const trend_metric& m : trend_metrics()) {
    out += "<th>" + escape_html(m.title) + "</th>";
  }
  out += "</tr></thead><tbody>";
  const auto places = group_places(runs.size(), groups);
  for (std::size_t n = runs.size(); n-- > 0;) {
    const run_record& r = runs[n];
    const run_setup setup = setup_of(r.summary);
    const bool never_ran = r.summary.setup_error.has_value();
    out += "<tr data-run=\"" + escape_html(r.id) + "\"" +
           (never_ran ? " class=\"setup-error\"" : "") + "><td class=\"num\">" +
           std::to_string(n + 1) + "</td><td class=\"date\"><a href=\"" +
           escape_html(run_page_path(r)) + "\">" + escape_html(r.summary.date) +
           "</a></td><td><code>" + escape_html(short_commit(r.summary)) +
           "</code></td><td class=\"store\">" + escape_html(setup.store) +
           "</td><td class=\"load\">" + escape_html(setup.load) + "</td><td>" +
           escape_html(machine_text(r.summary.machine)) + "</td>";
    if (never_ran || !places[n]) {
      out += "<td class=\"fail\">setup error</td><td class=\"error-text\" colspan=\"" +
             std::to_string(trend_metrics().size()) + "\">" +
             escape_html(r.summary.setup_error.value_or("")) + "</td></tr>";
      continue;
    }
    out += std::string("<td class=\"") + (r.summary.verdict == "pass" ? "pass" : "fail") + "\">" +
           escape_html(r.summary.verdict) + "</td>";
    const auto [g, p] = *places[n];
    for (const metric_trend& t : groups[g].trends) {
      const trend_metric& m = *t.metric;
      out += std::string("<td class=\"num") + (t.checks[p].regression ? " fail" : "") + "\">" +
             escape_html(value_text(t.values[p], m.scale, m.unit)) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></section>";
}

std::string group_section(const std::vector<run_record>& runs, const trend_group& g,
                          std::size_t group) {
  std::string out = "<section class=\"trend-group\" id=\"group-" + std::to_string(group + 1) +
                    "\" data-store=\"" + escape_html(g.setup.store) + "\" data-load=\"" +
                    escape_html(g.setup.load) + "\" data-runs=\"" + std::to_string(g.runs.size()) +
                    "\"><h3>" + escape_html(setup_text(g.setup)) + " <span class=\"muted\">(" +
                    std::to_string(g.runs.size()) + " run(s))</span></h3><div class=\"charts\">";
  // Charts in the order of their first metric; metrics sharing a chart become its series.
  std::vector<std::vector<const metric_trend*>> charts;
  for (const metric_trend& t : g.trends) {
    auto it = std::find_if(charts.begin(), charts.end(), [&](const auto& c) {
      return c.front()->metric->chart_key() == t.metric->chart_key();
    });
    if (it == charts.end()) {
      charts.push_back({&t});
    } else {
      it->push_back(&t);
    }
  }
  for (const auto& series : charts) {
    out += trend_chart(series, runs, g, group);
  }
  return out + "</div></section>";
}

constexpr std::string_view legend =
    "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:var(--series)\">"
    "</span>run (passed the gate)</span><span><span class=\"swatch\" "
    "style=\"background:var(--fail)\"></span>run that failed the gate</span><span><span "
    "class=\"swatch\" style=\"background:var(--bad)\"></span>regression</span><span><span "
    "class=\"dash\"></span>gate threshold in force for that run</span><span>Hover a point for "
    "its commit, date and machine; click it for the run's windows.</span><span>One set of "
    "charts per store and load: runs are compared only with runs of the same setup.</span>"
    "<span>Cost charts (CPU seconds per 1M deliveries, gateway RSS per connection): a run "
    "recorded before these figures existed is a gap in the line.</span></div>";

}  // namespace

std::string render_index(const history& h, const regression_options& options) {
  const std::vector<trend_group> groups = compute_trend_groups(h.runs, options);
  std::string body = "<header><h1>sse-gateway performance gate: trends</h1><p class=\"muted\">";
  if (h.runs.empty()) {
    body += "No usable run in the history yet.";
  } else {
    body += std::to_string(h.runs.size()) + " run(s) from " +
            escape_html(h.runs.front().summary.date) + " to " +
            escape_html(h.runs.back().summary.date) + ", oldest on the left; " +
            std::to_string(groups.size()) + " store and load setup(s).";
  }
  body += "</p></header>";
  body += regressions_section(regression_flags(groups), h.runs, options);
  body += setup_errors_section(h.runs);
  body += skipped_section(h.skipped);
  body += "<section id=\"trends\"><h2>Gate metrics across runs</h2>";
  body += legend;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    body += group_section(h.runs, groups[g], g);
  }
  body += "</section>";
  body += runs_table(h.runs, groups);
  return html_page("sse-gateway performance dashboard", body);
}

}  // namespace sse::dashboard
