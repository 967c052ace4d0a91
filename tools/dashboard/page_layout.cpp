#include "dashboard/page_layout.hpp"

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

namespace {

// One stylesheet for every page; system fonts only (no font request).
constexpr std::string_view stylesheet = R"css(
:root { --fg: #1f2933; --muted: #616e7c; --line: #d9e2ec; --bg: #ffffff; --card: #f8fafc;
  --series: #2563eb; --series-2: #7c3aed; --threshold: #d97706; --bad: #dc2626; --good: #15803d; --fail: #f59e0b; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 16px 24px 48px; color: var(--fg);
  background: var(--bg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0; }
a { color: var(--series); }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
figure.card { margin: 0; padding: 10px 12px 4px; background: var(--card);
  border: 1px solid var(--line); border-radius: 8px; }
figure.card figcaption { display: flex; justify-content: space-between; gap: 8px; align-items: baseline; }
figure.card figcaption .gate { color: var(--threshold); font-size: 12px; white-space: nowrap; }
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
svg.chart .grid line { stroke: var(--line); stroke-width: 1; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart .series { fill: none; stroke: var(--series); stroke-width: 2; stroke-linejoin: round; }
svg.chart .threshold { fill: none; stroke: var(--threshold); stroke-width: 2; stroke-dasharray: 7 4; }
svg.chart text.threshold-label { fill: var(--threshold); font-size: 11px; font-weight: 600; }
svg.chart .point { fill: var(--series); stroke: #fff; stroke-width: 1.5; cursor: pointer; }
svg.chart .series.series-2 { stroke: var(--series-2); stroke-dasharray: 3 2; }
svg.chart .point.series-2 { fill: var(--series-2); }
svg.chart .series-legend .swatch { fill: var(--series); }
svg.chart .series-legend .swatch.series-2 { fill: var(--series-2); }
svg.chart .point.fail { fill: var(--fail); }
svg.chart .point.missing { fill: #fff; stroke: var(--muted); }
svg.chart .point.regression { fill: var(--bad); }
svg.chart .regression-ring { fill: none; stroke: var(--bad); stroke-width: 2; }
svg.chart .point:hover { stroke: var(--fg); stroke-width: 2.5; }
.legend { display: flex; flex-wrap: wrap; gap: 18px; margin: 10px 0; color: var(--muted); font-size: 12px; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
  margin-right: 5px; vertical-align: -1px; }
.legend .dash { display: inline-block; width: 22px; border-top: 2px dashed var(--threshold);
  margin-right: 5px; vertical-align: 3px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--card); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.date { white-space: nowrap; }
.pass { color: var(--good); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.banner { padding: 10px 14px; border-radius: 8px; margin: 12px 0; }
.banner.bad { background: #fef2f2; border: 1px solid #fecaca; }
.banner.ok { background: #f0fdf4; border: 1px solid #bbf7d0; }
.banner.warn { background: #fffbeb; border: 1px solid #fde68a; }
.banner ul { margin: 6px 0 0; padding-left: 20px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
nav.top { display: flex; gap: 16px; font-size: 13px; }
)css";

}  // namespace

std::string html_page(std::string_view title, std::string_view body) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape_html(title) + "</title>\n<style>";
  out += stylesheet;
  out += "</style>\n</head>\n<body>\n";
  out += body;
  out += "\n</body>\n</html>\n";
  return out;
}

}  // namespace sse::dashboard
