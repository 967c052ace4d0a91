#pragma once
// One line chart as inline SVG. Pure: the data in, the markup out. Every point is one
// element with class "point" (a run on the index page, a window on a run page), so a reader
// or a test can count them; a threshold is a path with class "threshold".

#include <optional>
#include <string>
#include <vector>

namespace sse::dashboard {

struct chart_point {
  std::optional<double> value;  ///< none: drawn hollow on the x axis, class "missing"
  std::string label;            ///< x axis label (a short commit, a window number)
  std::string key;              ///< data-key attribute (run id, window number)
  std::string href;             ///< link target; empty: not a link
  std::string tooltip;          ///< hover text (SVG <title>), plain text, may be multi-line
  bool regression = false;      ///< drawn red with a ring, data-regression="true"
  bool failed = false;          ///< the run or window failed the gate: class "fail"
};

/// A further line in the same chart (the first is line_chart::points): same x positions and
/// unit, its own colour, its points marked data-series="<name>".
struct chart_series {
  std::string name;                 ///< legend text and data-series value
  std::vector<chart_point> points;  ///< same length as line_chart::points
};

struct line_chart {
  std::string id;     ///< element id of the <svg>; [A-Za-z0-9_-]
  std::string title;  ///< accessible name (the page shows the heading)
  std::string unit;   ///< y axis unit, shown in the axis caption
  double scale = 1;   ///< values and thresholds are multiplied by this for display
  std::vector<chart_point> points;
  /// Per point threshold (same length as points, or empty for none); drawn as a step line.
  std::vector<std::optional<double>> thresholds;
  std::string threshold_label;  ///< e.g. "gate: <= 500 ms"
  /// Logarithmic y axis: latencies of a few ms stay readable beside a threshold of seconds.
  /// Values <= 0 are drawn on the axis floor.
  bool log_scale = false;
  /// Name of the first series: non-empty draws a legend and marks its points data-series.
  std::string series_name;
  std::vector<chart_series> more_series;
  /// A point without a value is left out (a gap in its line) instead of drawn hollow on the x
  /// axis: for figures that runs older than the figure do not have, which must not read as 0.
  bool gap_when_missing = false;
  int width = 640;
  int height = 260;
};

std::string render_line_chart(const line_chart& chart);

/// Evenly spaced "nice" axis ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering
/// [lo, hi]; at least two.
std::vector<double> nice_ticks(double lo, double hi, int target_count = 5);

/// Ticks for a log axis inside [lo, hi] (0 < lo < hi): 1-2-5 multiples of powers of ten, or
/// powers of ten only when that would make more than `max_count`.
std::vector<double> log_ticks(double lo, double hi, std::size_t max_count = 8);

}  // namespace sse::dashboard
