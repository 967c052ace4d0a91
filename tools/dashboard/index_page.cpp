#include "dashboard/index_page.hpp"

#include <set>

#include "dashboard/html_text.hpp"
#include "dashboard/page_layout.hpp"
#include "dashboard/run_text.hpp"
#include "dashboard/svg_chart.hpp"
#include "dashboard/trends.hpp"

namespace sse::dashboard {

namespace {

/// "gate: ≤ 500 ms" from the latest run that has the metric's rule.
std::string gate_label(const trend_metric& m, const std::vector<run_record>& runs) {
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (const rule_record* r = it->summary.find_rule(m.rule); r != nullptr && !m.rule.empty()) {
      return gate_text(*r, m.scale, m.unit);
    }
  }
  return {};
}

/// X axis labels: the short commit when every run has its own, else the run's number (several
/// runs of one commit would all read the same).
std::vector<std::string> run_labels(const std::vector<run_record>& runs) {
  std::set<std::string> commits;
  for (const run_record& r : runs) {
    commits.insert(short_commit(r.summary));
  }
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    labels.push_back(commits.size() == runs.size() ? short_commit(runs[i].summary)
                                                   : "#" + std::to_string(i + 1));
  }
  return labels;
}

std::string point_tooltip(const run_record& r, const metric_trend& t, std::size_t i) {
  const trend_metric& m = *t.metric;
  std::string tip = "run #" + std::to_string(i + 1) + "\n";
  tip += "commit " + (r.summary.commit ? *r.summary.commit : "unknown") + "\n";
  tip += "date " + r.summary.date + "\n";
  tip += "machine " + machine_text(r.summary.machine) + "\n";
  tip += m.title + ": " + value_text(t.values[i], m.scale, m.unit) + "\n";
  if (t.thresholds[i]) {
    tip += "threshold in force: " + value_text(t.thresholds[i], m.scale, m.unit) + "\n";
  }
  tip += "verdict " + r.summary.verdict;
  if (t.checks[i].regression) {
    tip += "\nREGRESSION: baseline median " + value_text(t.checks[i].baseline, m.scale, m.unit);
  }
  return tip;
}

std::string trend_chart(const metric_trend& t, const std::vector<run_record>& runs) {
  const trend_metric& m = *t.metric;
  line_chart c;
  c.id = "trend-" + m.id;
  c.title = m.title + " across runs";
  c.unit = m.unit;
  c.scale = m.scale;
  c.log_scale = m.unit == "ms";
  c.threshold_label = gate_label(m, runs);
  if (!c.threshold_label.empty()) {
    c.thresholds = t.thresholds;
  }
  const std::vector<std::string> labels = run_labels(runs);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const run_record& r = runs[i];
    c.points.push_back({t.values[i], labels[i], r.id, run_page_path(r), point_tooltip(r, t, i),
                        t.checks[i].regression, r.summary.verdict != "pass"});
  }
  std::string out = "<figure class=\"card\" data-metric=\"" + escape_html(m.id) + "\">";
  out += "<figcaption><h3>" + escape_html(m.title) + "</h3><span class=\"gate\">" +
         escape_html(c.threshold_label.empty() ? "no gate rule" : c.threshold_label) +
         "</span></figcaption>";
  out += render_line_chart(c);
  out += "</figure>";
  return out;
}

std::string regressions_section(const std::vector<regression_flag>& flags,
                                const std::vector<run_record>& runs, const regression_options& o) {
  const std::string rule = "worse than the median of the previous " +
                           std::to_string(o.baseline_runs) + " runs by more than " +
                           format_number(o.margin * 100, 3) + " %";
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
           escape_html(r.summary.date + " " + short_commit(r.summary)) +
           "</a>: " + escape_html(m.title) + " " +
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

std::string runs_table(const std::vector<run_record>& runs,
                       const std::vector<metric_trend>& trends) {
  std::string out =
      "<section id=\"runs\"><h2>Runs</h2><table><thead><tr><th>#</th>"
      "<th>date</th><th>commit</th><th>machine</th><th>verdict</th>";
  for (const metric_trend& t : trends) {
    out += "<th>" + escape_html(t.metric->title) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (std::size_t n = runs.size(); n-- > 0;) {
    const run_record& r = runs[n];
    out += "<tr data-run=\"" + escape_html(r.id) + "\"><td class=\"num\">" + std::to_string(n + 1) +
           "</td><td class=\"date\"><a href=\"" + escape_html(run_page_path(r)) + "\">" +
           escape_html(r.summary.date) + "</a></td><td><code>" +
           escape_html(short_commit(r.summary)) + "</code></td><td>" +
           escape_html(machine_text(r.summary.machine)) + "</td><td class=\"" +
           (r.summary.verdict == "pass" ? "pass" : "fail") + "\">" +
           escape_html(r.summary.verdict) + "</td>";
    for (const metric_trend& t : trends) {
      const trend_metric& m = *t.metric;
      out += std::string("<td class=\"num") + (t.checks[n].regression ? " fail" : "") + "\">" +
             escape_html(value_text(t.values[n], m.scale, m.unit)) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></section>";
}

constexpr std::string_view legend =
    "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:var(--series)\">"
    "</span>run (passed the gate)</span><span><span class=\"swatch\" "
    "style=\"background:var(--fail)\"></span>run that failed the gate</span><span><span "
    "class=\"swatch\" style=\"background:var(--bad)\"></span>regression</span><span><span "
    "class=\"dash\"></span>gate threshold in force for that run</span><span>Hover a point for "
    "its commit, date and machine; click it for the run's windows.</span></div>";

}  // namespace

std::string render_index(const history& h, const regression_options& options) {
  const std::vector<metric_trend> trends = compute_trends(h.runs, options);
  std::string body = "<header><h1>sse-gateway performance gate: trends</h1><p class=\"muted\">";
  if (h.runs.empty()) {
    body += "No usable run in the history yet.";
  } else {
    body += std::to_string(h.runs.size()) + " run(s) from " +
            escape_html(h.runs.front().summary.date) + " to " +
            escape_html(h.runs.back().summary.date) + ", oldest on the left.";
  }
  body += "</p></header>";
  body += regressions_section(regression_flags(trends), h.runs, options);
  body += skipped_section(h.skipped);
  body += "<section id=\"trends\"><h2>Gate metrics across runs</h2>";
  body += legend;
  body += "<div class=\"charts\">";
  for (const metric_trend& t : trends) {
    body += trend_chart(t, h.runs);
  }
  body += "</div></section>";
  body += runs_table(h.runs, trends);
  return html_page("sse-gateway performance dashboard", body);
}

}  // namespace sse::dashboard
