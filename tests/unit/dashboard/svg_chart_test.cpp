#include "dashboard/svg_chart.hpp"

#include <gtest/gtest.h>

namespace sse::dashboard {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

line_chart chart_of(std::size_t n) {
  line_chart c;
  c.id = "trend-x";
  c.title = "x";
  c.unit = "ms";
  for (std::size_t i = 0; i < n; ++i) {
    c.points.push_back({static_cast<double>(i + 1), "r" + std::to_string(i), std::to_string(i),
                        "runs/r" + std::to_string(i) + ".html", "tip", false, false});
  }
  return c;
}

TEST(svg_chart, one_point_element_per_point) {
  for (const std::size_t n : {0u, 1u, 2u, 12u, 40u}) {
    const std::string svg = render_line_chart(chart_of(n));
    EXPECT_EQ(count(svg, "<circle class=\"point"), n) << n;
    EXPECT_NE(svg.find("data-points=\"" + std::to_string(n) + "\""), std::string::npos);
    EXPECT_EQ(count(svg, "<a href=\"runs/r"), n);
    EXPECT_EQ(svg.rfind("<svg class=\"chart\" id=\"trend-x\"", 0), 0u);
    EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  }
}

TEST(svg_chart, threshold_line_only_when_given) {
  line_chart c = chart_of(4);
  std::string svg = render_line_chart(c);
  EXPECT_EQ(count(svg, "class=\"threshold\""), 0u);
  EXPECT_NE(svg.find("data-has-threshold=\"false\""), std::string::npos);

  c.thresholds.assign(4, 500.0);
  c.threshold_label = "gate: <= 500 ms";
  svg = render_line_chart(c);
  EXPECT_EQ(count(svg, "<path class=\"threshold\""), 1u);
  EXPECT_NE(svg.find("data-threshold=\"500\""), std::string::npos);
  EXPECT_NE(svg.find("data-has-threshold=\"true\""), std::string::npos);
  EXPECT_NE(svg.find("gate: &lt;= 500 ms"), std::string::npos);
  EXPECT_EQ(svg.find("gate: <= 500"), std::string::npos);
}

TEST(svg_chart, threshold_that_changes_is_a_step_line) {
  line_chart c = chart_of(4);
  c.thresholds = {500.0, 500.0, 250.0, 250.0};
  c.threshold_label = "gate";
  const std::string svg = render_line_chart(c);
  const auto at = svg.find("<path class=\"threshold\" d=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string d = svg.substr(at, svg.find('"', at + 28) - at);
  EXPECT_EQ(count(d, "M"), 1u) << d;
  EXPECT_EQ(count(d, "V"), 1u) << "one step down: " << d;
  EXPECT_EQ(svg.find("data-threshold="), std::string::npos) << "no single value to report";
}

TEST(svg_chart, threshold_missing_for_some_runs_breaks_the_line) {
  line_chart c = chart_of(4);
  c.thresholds = {500.0, std::nullopt, 500.0, 500.0};
  c.threshold_label = "gate";
  const std::string svg = render_line_chart(c);
  const auto at = svg.find("<path class=\"threshold\" d=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string d = svg.substr(at, svg.find('"', at + 28) - at);
  EXPECT_EQ(count(d, "M"), 2u) << d;
}

TEST(svg_chart, regression_and_missing_points_are_marked) {
  line_chart c = chart_of(5);
  c.points[1].value.reset();
  c.points[3].regression = true;
  c.points[4].failed = true;
  const std::string svg = render_line_chart(c);
  EXPECT_EQ(count(svg, "<circle class=\"point"), 5u);
  EXPECT_EQ(count(svg, "data-regression=\"true\""), 1u);
  EXPECT_EQ(count(svg, "class=\"regression-ring\""), 1u);
  EXPECT_EQ(count(svg, "class=\"point missing\""), 1u);
  EXPECT_EQ(count(svg, "class=\"point fail\""), 1u);
  EXPECT_EQ(count(svg, "data-value="), 4u) << "no value on the missing point";
  // The series line breaks around the missing value: two sub-paths.
  const auto at = svg.find("<path class=\"series\" d=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string d = svg.substr(at, svg.find('"', at + 25) - at);
  EXPECT_EQ(count(d, "M"), 2u) << d;
}

TEST(svg_chart, escapes_every_text_it_writes) {
  line_chart c = chart_of(1);
  c.id = "a\"b";
  c.title = "<title>";
  c.unit = "<u>";
  c.points[0].label = "<script>alert(1)</script>";
  c.points[0].tooltip = "commit \"x\" & 'y' <b>";
  c.points[0].href = "runs/a\"onmouseover=\"x.html";
  c.points[0].key = "k<";
  const std::string svg = render_line_chart(c);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(svg.find("<u>"), std::string::npos);
  EXPECT_EQ(svg.find("\"onmouseover"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("commit &quot;x&quot; &amp; &#39;y&#39; &lt;b&gt;"), std::string::npos);
  EXPECT_NE(svg.find("id=\"a&quot;b\""), std::string::npos);
}

TEST(svg_chart, log_scale_copes_with_zero_and_huge_ranges) {
  line_chart c = chart_of(3);
  c.log_scale = true;
  c.points[0].value = 0.0;
  c.points[2].value = 20000.0;
  c.thresholds.assign(3, 15000.0);
  c.threshold_label = "gate";
  const std::string svg = render_line_chart(c);
  EXPECT_EQ(count(svg, "<circle class=\"point"), 3u);
  for (const char* bad : {"\"nan", "\"-nan", "\"inf", "\"-inf", "NaN", " nan", " inf"}) {
    EXPECT_EQ(svg.find(bad), std::string::npos) << bad;
  }
  EXPECT_NE(svg.find("ms (log)"), std::string::npos);
}

TEST(ticks, nice_linear_ticks) {
  EXPECT_EQ(nice_ticks(0, 9.3), (std::vector<double>{0, 2.5, 5, 7.5, 10}));
  EXPECT_EQ(nice_ticks(97.5, 99.5), (std::vector<double>{97.5, 98, 98.5, 99, 99.5}));
  const auto t = nice_ticks(3, 3);
  EXPECT_EQ(t.size(), 2u);
}

TEST(ticks, log_ticks) {
  EXPECT_EQ(log_ticks(1.5, 600), (std::vector<double>{2, 5, 10, 20, 50, 100, 200, 500}));
  EXPECT_EQ(log_ticks(0.5, 20000), (std::vector<double>{1, 10, 100, 1000, 10000}));
}

}  // namespace
}  // namespace sse::dashboard
