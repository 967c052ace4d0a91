#include "dashboard/run_page.hpp"

#include "dashboard/history.hpp"
#include "dashboard/html_text.hpp"
#include "dashboard/page_layout.hpp"
#include "dashboard/run_setup.hpp"
#include "dashboard/run_text.hpp"
#include "dashboard/svg_chart.hpp"

namespace sse::dashboard {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The window-level rules (scope "window" or "attempt") judging this column, if any.
const rule_record* window_rule(const run_summary& s, const std::string& column) {
  for (const rule_record& r : s.rules) {
    if ((r.scope == "window" || r.scope == "attempt") && r.metric == column) {
      return &r;
    }
  }
  return nullptr;
}

bool breaks(const rule_record& r, double v) {
  return r.comparison == ">=" ? v < r.threshold : v > r.threshold;
}

std::string facts(const run_record& r) {
  const run_summary& s = r.summary;
  std::string out = "<dl class=\"facts\">";
  auto row = [&](std::string_view name, const std::string& value_html) {
    out += "<dt>" + std::string(name) + "</dt><dd>" + value_html + "</dd>";
  };
  row("commit", "<code>" + escape_html(s.commit ? *s.commit : "unknown") + "</code>");
  row("date", escape_html(s.date));
  row("machine", escape_html(machine_text(s.machine)));
  const run_setup setup = setup_of(s);
  row("store", "<span id=\"store\">" + escape_html(setup.store) + "</span>");
  row("load", "<span id=\"load\">" + escape_html(setup.load) + "</span>");
  if (s.setup_error) {
    // The rule results of such a run judge the breakdown (append errors once the gateway was
    // gone), not the gateway: the setup error is the one thing to read.
    row("verdict",
        "<span class=\"fail\" id=\"verdict\">setup error</span> &mdash; <span "
        "id=\"setup-error\">" +
            escape_html(*s.setup_error) + "</span>");
  } else {
    row("verdict", std::string("<span class=\"") + (s.verdict == "pass" ? "pass" : "fail") +
                       "\" id=\"verdict\">" + escape_html(s.verdict) + "</span>" +
                       (s.failure_message ? " &mdash; " + escape_html(*s.failure_message) : ""));
  }
  row("windows", std::to_string(r.series.rows.size()) + " of " +
                     escape_html(format_number(r.series.window_s, 4)) + " s");
  out += "</dl>";
  return out;
}

std::string rules_table(const run_summary& s) {
  std::string out =
      "<table id=\"rules\"><thead><tr><th>rule</th><th>scope</th><th>metric</th>"
      "<th>value</th><th>must be</th><th>threshold</th><th>result</th></tr></thead><tbody>";
  for (const rule_record& r : s.rules) {
    out += "<tr data-rule=\"" + escape_html(r.name) + "\"><td><code>" + escape_html(r.name) +
           "</code></td><td>" + escape_html(r.scope) + "</td><td><code>" + escape_html(r.metric) +
           "</code></td><td class=\"num\">" +
           escape_html(r.value ? format_number(*r.value, 6) : "n/a") + "</td><td>" +
           escape_html(r.comparison) + "</td><td class=\"num\">" +
           escape_html(format_number(r.threshold, 6)) + "</td><td class=\"" +
           (r.pass ? "pass" : "fail") + "\">" + (r.pass ? "pass" : "FAIL") + "</td></tr>";
  }
  return out + "</tbody></table>";
}

std::string window_chart(const run_record& r, std::size_t column) {
  const time_series& ts = r.series;
  const std::string& name = ts.columns[column];
  const column_style style = style_of_column(name);
  const rule_record* rule = window_rule(r.summary, name);
  const auto start = ts.column("start_s");
  const auto end = ts.column("end_s");
  line_chart c;
  c.id = "window-" + safe_name(name);
  c.title = name + " per window";
  c.unit = style.unit;
  c.scale = style.scale;
  c.log_scale = style.log_scale;
  if (rule != nullptr) {
    c.threshold_label = gate_text(*rule, style.scale, style.unit);
    c.thresholds.assign(ts.rows.size(), rule->threshold);
  }
  for (std::size_t i = 0; i < ts.rows.size(); ++i) {
    const auto& row = ts.rows[i];
    const auto v = row[column];
    std::string tip = "window " + std::to_string(i + 1);
    if (start && end && row[*start] && row[*end]) {
      tip += " (" + format_number(*row[*start], 4) + "-" + format_number(*row[*end], 4) + " s)";
    }
    tip += "\n" + name + ": " + value_text(v, style.scale, style.unit);
    const bool failed = rule != nullptr && v && breaks(*rule, *v);
    if (failed) {
      tip += "\nbreaks the gate rule " + rule->name;
    }
    c.points.push_back({v, std::to_string(i + 1), std::to_string(i + 1), "", tip, false, failed});
  }
  std::string out = "<figure class=\"card\" data-column=\"" + escape_html(name) + "\">";
  out += "<figcaption><h3><code>" + escape_html(name) + "</code></h3><span class=\"gate\">" +
         escape_html(c.threshold_label) + "</span></figcaption>";
  out += render_line_chart(c);
  return out + "</figure>";
}

std::string configuration_table(const run_summary& s) {
  std::string out = "<table id=\"configuration\"><tbody>";
  for (const auto& [key, value] : s.configuration) {
    out += "<tr><th><code>" + escape_html(key) + "</code></th><td class=\"mono\">" +
           escape_html(value) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace

column_style style_of_column(const std::string& column) {
  if (ends_with(column, "_ms")) {
    return {"ms", 1, true};
  }
  if (ends_with(column, "_rate")) {
    return {"%", 100, false};
  }
  if (ends_with(column, "_per_s")) {
    return {"events/s", 1, false};
  }
  return {"count", 1, false};
}

std::string render_run_page(const std::vector<run_record>& runs, std::size_t index) {
  const run_record& r = runs[index];
  std::string body = "<nav class=\"top\"><a href=\"../index.html\" id=\"back\">&larr; all runs</a>";
  if (index > 0) {
    body +=
        "<a href=\"" + escape_html(runs[index - 1].id) + ".html\" id=\"previous\">previous run</a>";
  }
  if (index + 1 < runs.size()) {
    body += "<a href=\"" + escape_html(runs[index + 1].id) + ".html\" id=\"next\">next run</a>";
  }
  body += "</nav>";
  body += "<header><h1>Gate run " + escape_html(r.summary.date) + " &middot; <code>" +
          escape_html(short_commit(r.summary)) + "</code></h1></header>";
  body += facts(r);
  if (r.summary.setup_error) {
    body +=
        "<h2>Gate rules</h2><p class=\"muted\" id=\"no-rules\">None judged: the run was "
        "stopped by a setup error (above) before it measured the gateway. Its windows up to "
        "the stop follow.</p>";
  } else {
    body += "<h2>Gate rules</h2>" + rules_table(r.summary);
  }
  body +=
      "<h2>Window time series</h2><div class=\"legend\"><span><span class=\"swatch\" "
      "style=\"background:var(--fail)\"></span>window breaking a window rule</span><span>"
      "<span class=\"dash\"></span>window rule threshold</span></div><div class=\"charts\">";
  for (std::size_t c = 0; c < r.series.columns.size(); ++c) {
    const std::string& name = r.series.columns[c];
    if (name == "window" || name == "start_s" || name == "end_s") {
      continue;
    }
    body += window_chart(r, c);
  }
  body += "</div>";
  body += "<h2>Configuration</h2>" + configuration_table(r.summary);
  body += "<p class=\"muted\" id=\"artifacts\">Artifacts:";
  for (const std::string& file : r.artifacts) {
    body += " <a href=\"" + escape_html(r.id + "/" + file) + "\">" + escape_html(file) + "</a>";
  }
  body += "</p>";
  return html_page("Gate run " + r.summary.date + " " + short_commit(r.summary), body);
}

}  // namespace sse::dashboard
