#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dashboard/artifact_parser.hpp"
#include "dashboard/index_page.hpp"
#include "dashboard/run_page.hpp"
#include "dashboard/site_writer.hpp"
#include "sample_artifacts.hpp"

namespace sse::dashboard {
namespace {

using testing::sample_run;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

run_record make_record(const sample_run& s, std::string id) {
  run_record r;
  r.id = std::move(id);
  r.summary = parse_summary(testing::to_text(testing::summary_object(s))).value();
  r.series = parse_timeseries(testing::to_text(testing::timeseries_object(s))).value();
  r.artifacts = {"summary.json", "timeseries.json"};
  return r;
}

/// `n` runs a day apart, p95 2.5 ms, except `slow_run` (if < n) at 10 ms.
history make_history(std::size_t n, std::size_t slow_run = 1000) {
  history h;
  for (std::size_t i = 0; i < n; ++i) {
    sample_run s;
    s.date = "2026-03-" + std::string(i + 1 < 10 ? "0" : "") + std::to_string(i + 1) + "T10:00:00Z";
    s.commit = "c" + std::to_string(i) + "ffffffffffff";
    s.p95_ms = i == slow_run ? 10.0 : 2.5;
    h.runs.push_back(make_record(s, "run" + std::to_string(i)));
  }
  return h;
}

bool requests_nothing(const std::string& html) {
  // No element that fetches: scripts, stylesheets, images, frames, fonts, CSS urls.
  for (const char* bad : {"<script", "<link", "<img", "<iframe", "<object", "<embed", "<video",
                          "<audio", "<source", "@import", "url("}) {
    if (html.find(bad) != std::string::npos) {
      ADD_FAILURE() << "found " << bad;
      return false;
    }
  }
  return true;
}

TEST(index_page, one_chart_per_metric_with_one_point_per_run) {
  const history h = make_history(7);
  const std::string html = render_index(h, {});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 8u);
  EXPECT_EQ(count(html, "data-points=\"7\""), 8u);
  // The CPU chart's redis series is left out: the sample runs are on the memory store.
  EXPECT_EQ(count(html, "<circle class=\"point"), 8u * 7u);
  EXPECT_EQ(count(html, "data-series=\"gateway\""), 7u);
  EXPECT_EQ(count(html, "data-series=\"redis\""), 0u);
  for (const char* id : {"trend-deliver_p95-g1", "trend-deliver_p99-g1", "trend-resume_success-g1",
                         "trend-trim_rate-g1", "trend-resume_max-g1", "trend-delivered_per_s-g1",
                         "trend-cpu_per_delivery-g1", "trend-rss_per_connection-g1"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  // The sample runs carry three of the rules the charts draw (p95, success rate, trim rate).
  EXPECT_EQ(count(html, "<path class=\"threshold\""), 3u);
  EXPECT_NE(html.find("data-threshold=\"500\""), std::string::npos);
  EXPECT_NE(html.find("data-threshold=\"98\""), std::string::npos) << "0.98 shown as 98 %";
  EXPECT_NE(html.find("data-threshold=\"1\""), std::string::npos) << "0.01 shown as 1 %";
  EXPECT_EQ(count(html, "href=\"runs/run3.html\""), 8u + 1u) << "a point per chart + the table";
  EXPECT_NE(html.find("No regression flagged"), std::string::npos);
  EXPECT_EQ(count(html, "data-regression="), 0u);
  EXPECT_TRUE(requests_nothing(html));
}

TEST(index_page, tooltip_names_commit_date_and_machine) {
  const std::string html = render_index(make_history(2), {});
  EXPECT_NE(
      html.find("<title>run #2\ncommit c1ffffffffffff\ndate 2026-03-02T10:00:00Z\nmachine bench-1 "
                "(Test CPU, 2 cores)\np95 deliver latency: 2.5 ms"),
      std::string::npos);
}

TEST(index_page, axis_labels_are_commits_unless_a_commit_repeats) {
  history h = make_history(3);
  std::string html = render_index(h, {});
  EXPECT_EQ(count(html, ">c1ffffff</text>"), 8u);
  h.runs[2].summary.commit = h.runs[1].summary.commit;
  html = render_index(h, {});
  EXPECT_EQ(count(html, ">c1ffffff</text>"), 0u);
  EXPECT_EQ(count(html, ">#3</text>"), 8u);
}

TEST(index_page, regression_is_marked_and_listed_first) {
  const history h = make_history(8, 6);
  const std::string html = render_index(h, {0.10, 5});
  EXPECT_EQ(count(html, "data-regression=\"true\""), 2u) << "p95 and p99 of run 6";
  const auto list = html.find("<section id=\"regressions\">");
  const auto charts = html.find("<section id=\"trends\">");
  ASSERT_NE(list, std::string::npos);
  EXPECT_LT(list, charts);
  EXPECT_NE(html.find("<li class=\"regression\" data-run=\"run6\" data-metric=\"deliver_p95\">"),
            std::string::npos);
  EXPECT_NE(html.find("data-run=\"run6\" data-metric=\"deliver_p99\""), std::string::npos);
  EXPECT_NE(html.find("10 ms vs baseline 2.5 ms (+300 %)"), std::string::npos);
  // A wider margin or a longer baseline flags nothing.
  EXPECT_EQ(count(render_index(h, {5.0, 5}), "data-regression=\"true\""), 0u);
  EXPECT_EQ(count(render_index(h, {0.10, 7}), "data-regression=\"true\""), 0u);
}

TEST(index_page, skipped_runs_are_listed_escaped) {
  history h = make_history(1);
  h.skipped.push_back({"bad<run>/summary.json", "not valid JSON & more"});
  const std::string html = render_index(h, {});
  EXPECT_NE(html.find("<li class=\"skipped\"><code>bad&lt;run&gt;/summary.json</code>: not valid "
                      "JSON &amp; more</li>"),
            std::string::npos);
  EXPECT_EQ(html.find("bad<run>"), std::string::npos);
}

TEST(index_page, empty_history_still_makes_a_page) {
  const std::string html = render_index(history{}, {});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 0u) << "no setup, no chart";
  EXPECT_NE(html.find("No usable run"), std::string::npos);
}

TEST(index_page, one_set_of_charts_per_store_and_load_and_both_in_the_table) {
  history h = make_history(4);
  sample_run redis;
  redis.store = "redis";
  redis.date = "2026-03-05T10:00:00Z";
  h.runs.push_back(make_record(redis, "run4"));
  sample_run light;
  light.rate = 100;
  light.date = "2026-03-06T10:00:00Z";
  h.runs.push_back(make_record(light, "run5"));
  const std::string html = render_index(h, {});
  EXPECT_EQ(count(html, "<section class=\"trend-group\""), 3u);
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 24u);
  // Newest setup first: run5's, then run4's, then the four memory runs at 400 events/s.
  const auto light_at = html.find(
      "id=\"group-1\" data-store=\"memory\" data-load=\"8 streams, 40 subscribers, 100 "
      "events/s, 3 s\" data-runs=\"1\"");
  const auto redis_at = html.find(
      "id=\"group-2\" data-store=\"redis\" data-load=\"8 streams, 40 subscribers, 400 events/s, "
      "3 s\" data-runs=\"1\"");
  const auto main_at = html.find(
      "id=\"group-3\" data-store=\"memory\" data-load=\"8 streams, 40 subscribers, 400 "
      "events/s, 3 s\" data-runs=\"4\"");
  ASSERT_NE(light_at, std::string::npos);
  ASSERT_NE(redis_at, std::string::npos);
  ASSERT_NE(main_at, std::string::npos);
  EXPECT_EQ(count(html, "data-points=\"4\""), 8u);
  EXPECT_EQ(count(html, "data-points=\"1\""), 16u);
  EXPECT_NE(html.find("<h3>redis store, 8 streams, 40 subscribers, 400 events/s, 3 s"),
            std::string::npos);
  // Each run is a point only in its own group's charts.
  EXPECT_EQ(count(html, "data-key=\"run4\""), 8u);
  EXPECT_EQ(count(html, "data-key=\"run0\""), 8u);
  EXPECT_NE(html.find("<th>store</th><th>load</th>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"store\">redis</td><td class=\"load\">8 streams, 40 "
                      "subscribers, 400 events/s, 3 s</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"store\">memory</td><td class=\"load\">8 streams, 40 "
                      "subscribers, 100 events/s, 3 s</td>"),
            std::string::npos);
}

TEST(index_page, a_setup_error_run_is_listed_with_its_error_and_not_plotted) {
  history h = make_history(3);
  sample_run broken;
  broken.date = "2026-03-04T10:00:00Z";
  broken.verdict = "fail";
  broken.delivered_per_s = 0;
  broken.setup_error = "gateway (pid 42) exited with status 137 <at> 1.5 s into the run";
  h.runs.push_back(make_record(broken, "run3"));
  const std::string html = render_index(h, {});
  EXPECT_EQ(count(html, "data-key=\"run3\""), 0u) << "no point on any trend";
  EXPECT_EQ(count(html, "data-points=\"3\""), 8u);
  const auto listed = html.find("<section id=\"setup-errors\">");
  ASSERT_NE(listed, std::string::npos);
  EXPECT_LT(html.find("<section id=\"regressions\">"), listed);
  EXPECT_LT(listed, html.find("<section id=\"trends\">"));
  EXPECT_NE(html.find("<li class=\"setup-error\" data-run=\"run3\"><a href=\"runs/run3.html\">"),
            std::string::npos);
  const std::string text = "gateway (pid 42) exited with status 137 &lt;at&gt; 1.5 s into the run";
  EXPECT_EQ(count(html, text), 2u) << "in the list and in the runs table";
  EXPECT_NE(html.find("<tr data-run=\"run3\" class=\"setup-error\">"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"fail\">setup error</td><td class=\"error-text\" "
                      "colspan=\"9\">" +
                      text + "</td>"),
            std::string::npos);
  EXPECT_EQ(html.find(">0 events/s<"), std::string::npos) << "its figures are not shown as results";
  EXPECT_NE(html.find("No regression flagged"), std::string::npos);
}

/// The <svg> element with this id, whole.
std::string chart_markup(const std::string& html, const std::string& id) {
  const auto start = html.find("<svg class=\"chart\" id=\"" + id + "\"");
  if (start == std::string::npos) {
    return {};
  }
  return html.substr(start, html.find("</svg>", start) - start);
}

// The CPU per delivery chart draws the gateway and redis-server figures of each run
// as two series, the RSS chart the per-connection figure, each read from its own field (every
// value below is distinct, so a chart reading another field fails); a run older than the cost
// figures is a gap in those charts, not a zero, and still a point on the others.
TEST(index_page, cost_charts_show_each_runs_figures_and_older_runs_as_gaps) {
  history h;
  sample_run old;
  old.store = "redis";
  old.date = "2026-03-01T10:00:00Z";
  old.commit = "c0ffffffffffff";
  old.has_cost = false;
  h.runs.push_back(make_record(old, "run0"));
  const double figures[2][3] = {{41.5, 9.25, 12345}, {43.75, 10.5, 13001}};
  for (int i = 0; i < 2; ++i) {
    sample_run s;
    s.store = "redis";
    s.date = "2026-03-0" + std::to_string(i + 2) + "T10:00:00Z";
    s.commit = "c" + std::to_string(i + 1) + "ffffffffffff";
    s.gateway_cpu_per_million = figures[i][0];
    s.redis_cpu_per_million = figures[i][1];
    s.rss_per_connection = figures[i][2];
    h.runs.push_back(make_record(s, "run" + std::to_string(i + 1)));
  }
  const std::string html = render_index(h, {});
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 8u);
  const std::string cpu = chart_markup(html, "trend-cpu_per_delivery-g1");
  ASSERT_FALSE(cpu.empty());
  EXPECT_NE(cpu.find("data-key=\"run1\" data-series=\"gateway\" data-value=\"41.5\""),
            std::string::npos)
      << cpu;
  EXPECT_NE(cpu.find("data-key=\"run2\" data-series=\"gateway\" data-value=\"43.75\""),
            std::string::npos);
  EXPECT_NE(cpu.find("data-key=\"run1\" data-series=\"redis\" data-value=\"9.25\""),
            std::string::npos);
  EXPECT_NE(cpu.find("data-key=\"run2\" data-series=\"redis\" data-value=\"10.5\""),
            std::string::npos);
  EXPECT_EQ(count(cpu, "<circle class=\"point"), 4u);
  EXPECT_NE(cpu.find("<path class=\"series series-2\""), std::string::npos) << "redis line";
  EXPECT_NE(cpu.find(">gateway</text>"), std::string::npos) << "legend";
  EXPECT_NE(cpu.find(">redis</text>"), std::string::npos) << "legend";
  const std::string rss = chart_markup(html, "trend-rss_per_connection-g1");
  ASSERT_FALSE(rss.empty());
  EXPECT_NE(rss.find("data-key=\"run1\" data-value=\"12345\""), std::string::npos) << rss;
  EXPECT_NE(rss.find("data-key=\"run2\" data-value=\"13001\""), std::string::npos);
  EXPECT_EQ(count(rss, "<circle class=\"point"), 2u);
  // The old run: a gap (no point, not one at 0) in the cost charts, a point on the six others.
  for (const std::string* chart : {&cpu, &rss}) {
    EXPECT_EQ(count(*chart, "data-key=\"run0\""), 0u);
    EXPECT_EQ(count(*chart, "missing"), 0u);
    EXPECT_EQ(count(*chart, "data-value=\"0\""), 0u);
  }
  EXPECT_EQ(count(html, "data-key=\"run0\""), 6u);
  EXPECT_NE(html.find("<th>Gateway CPU per 1M deliveries</th><th>Redis CPU per 1M "
                      "deliveries</th><th>Gateway RSS per connection</th>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">43.75 CPU s</td><td class=\"num\">10.5 CPU "
                      "s</td><td class=\"num\">13001 bytes</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">n/a</td><td class=\"num\">n/a</td><td "
                      "class=\"num\">n/a</td></tr>"),
            std::string::npos)
      << "the old run's cost cells";
}

TEST(pages, hostile_text_from_artifacts_is_escaped) {
  history h = make_history(2);
  const std::string evil = "<img src=x onerror=alert(1)>";
  h.runs[1].summary.machine.hostname = evil;
  h.runs[1].summary.commit = "\"><script>alert(2)</script>";
  h.runs[1].summary.configuration.emplace_back("gateway_args", evil);
  h.runs[1].summary.failure_message = evil;
  const std::string index = render_index(h, {});
  const std::string page = render_run_page(h.runs, 1);
  for (const std::string* html : {&index, &page}) {
    EXPECT_EQ(html->find(evil), std::string::npos);
    EXPECT_EQ(html->find("<script>"), std::string::npos);
    EXPECT_NE(html->find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    EXPECT_TRUE(requests_nothing(*html));
  }
}

TEST(run_page, chart_per_window_column_with_window_rule_thresholds) {
  const history h = make_history(3);
  const std::string html = render_run_page(h.runs, 1);
  // Columns other than window, start_s and end_s: resume_attempts, resume_success_rate,
  // trim_rate, deliver_latency_p95_ms.
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 4u);
  EXPECT_EQ(count(html, "data-points=\"3\""), 4u);
  EXPECT_EQ(html.find("id=\"window-window\""), std::string::npos);
  EXPECT_NE(html.find("id=\"window-trim_rate\""), std::string::npos);
  // window_trim_rate is the only window-scope rule in the sample; its threshold is 1 %, and
  // window 2 (5 %) breaks it.
  EXPECT_EQ(count(html, "<path class=\"threshold\""), 1u);
  EXPECT_EQ(count(html, "class=\"point fail\""), 1u);
  EXPECT_NE(html.find("breaks the gate rule window_trim_rate"), std::string::npos);
  EXPECT_EQ(count(html, "<tr data-rule="), 3u);
  EXPECT_NE(html.find("href=\"../index.html\""), std::string::npos);
  EXPECT_NE(html.find("href=\"run0.html\" id=\"previous\""), std::string::npos);
  EXPECT_NE(html.find("href=\"run2.html\" id=\"next\""), std::string::npos);
  EXPECT_NE(html.find("href=\"run1/summary.json\""), std::string::npos);
  EXPECT_TRUE(requests_nothing(html));
}

TEST(run_page, a_setup_error_run_shows_its_error_instead_of_the_rules) {
  history h = make_history(1);
  sample_run broken;
  broken.verdict = "fail";
  broken.setup_error = "redis-server (pid 7) exited with status 1 at 0.5 s into the run";
  h.runs.push_back(make_record(broken, "run1"));
  const std::string page = render_run_page(h.runs, 1);
  EXPECT_NE(page.find("<span class=\"fail\" id=\"verdict\">setup error</span>"), std::string::npos);
  EXPECT_NE(page.find("<span id=\"setup-error\">redis-server (pid 7) exited with status 1 at "
                      "0.5 s into the run</span>"),
            std::string::npos);
  EXPECT_EQ(page.find("id=\"rules\""), std::string::npos) << "no rule table";
  EXPECT_NE(page.find("id=\"no-rules\""), std::string::npos);
  EXPECT_NE(page.find("<span id=\"store\">memory</span>"), std::string::npos);
  EXPECT_NE(page.find("<span id=\"load\">8 streams, 40 subscribers, 400 events/s, 3 s</span>"),
            std::string::npos);
  // A run that ran keeps its rule table.
  EXPECT_NE(render_run_page(h.runs, 0).find("id=\"rules\""), std::string::npos);
}

TEST(run_page, column_styles) {
  EXPECT_EQ(style_of_column("deliver_latency_p95_ms").unit, "ms");
  EXPECT_TRUE(style_of_column("deliver_latency_p95_ms").log_scale);
  EXPECT_EQ(style_of_column("trim_rate").scale, 100);
  EXPECT_EQ(style_of_column("delivered_per_s").unit, "events/s");
  EXPECT_EQ(style_of_column("gap_seqs").unit, "count");
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(site_writer, writes_index_run_pages_and_artifacts_and_drops_stale_pages) {
  testing::temp_folder history_dir;
  testing::temp_folder site;
  history h = make_history(2);
  for (run_record& r : h.runs) {
    r.dir = (history_dir.path() / r.id).string();
    testing::write_run(r.dir);
  }
  testing::write_file(site.path() / "runs" / "gone.html", "stale");
  ASSERT_TRUE(write_site(site.path(), h, {}));
  EXPECT_TRUE(std::filesystem::exists(site.path() / "index.html"));
  EXPECT_TRUE(std::filesystem::exists(site.path() / "runs" / "run0.html"));
  EXPECT_TRUE(std::filesystem::exists(site.path() / "runs" / "run1.html"));
  EXPECT_TRUE(std::filesystem::exists(site.path() / "runs" / "run1" / "summary.json"));
  EXPECT_FALSE(std::filesystem::exists(site.path() / "runs" / "gone.html"));
  EXPECT_EQ(slurp(site.path() / "runs" / "run1.html"), render_run_page(h.runs, 1));
  EXPECT_EQ(slurp(site.path() / "index.html"), render_index(h, {}));
}

}  // namespace
}  // namespace sse::dashboard
