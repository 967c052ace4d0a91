#include "dashboard/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

namespace {

constexpr double left_margin = 64;
constexpr double right_margin = 16;
constexpr double top_margin = 14;
constexpr double bottom_margin = 40;
constexpr std::size_t max_x_labels = 8;

std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

struct frame {
  double x0, x1, y0, y1;  // plot area: x0 left, x1 right, y0 top, y1 bottom
  double lo, hi;          // value range on the y axis (both > 0 on a log axis)
  std::size_t n;
  bool log;

  double band() const { return (x1 - x0) / static_cast<double>(std::max<std::size_t>(n, 1)); }
  double x(std::size_t i) const { return x0 + (static_cast<double>(i) + 0.5) * band(); }
  double y(double v) const {
    if (log) {
      const double l = std::log10(std::max(v, lo));
      return y1 - (l - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) * (y1 - y0);
    }
    return y1 - (v - lo) / (hi - lo) * (y1 - y0);
  }
};

std::pair<double, double> log_range(const line_chart& c) {
  double lo = INFINITY;
  double hi = -INFINITY;
  auto take = [&](const std::optional<double>& v) {
    if (v && std::isfinite(*v) && *v * c.scale > 0) {
      lo = std::min(lo, *v * c.scale);
      hi = std::max(hi, *v * c.scale);
    }
  };
  for (const chart_point& p : c.points) {
    take(p.value);
  }
  for (const chart_series& series : c.more_series) {
    for (const chart_point& p : series.points) {
      take(p.value);
    }
  }
  for (const auto& t : c.thresholds) {
    take(t);
  }
  if (lo > hi) {
    return {0.1, 10};
  }
  return {lo / 1.6, hi * 1.6};
}

std::pair<double, double> value_range(const line_chart& c) {
  double lo = INFINITY;
  double hi = -INFINITY;
  auto take = [&](const std::optional<double>& v) {
    if (v && std::isfinite(*v)) {
      lo = std::min(lo, *v * c.scale);
      hi = std::max(hi, *v * c.scale);
    }
  };
  for (const chart_point& p : c.points) {
    take(p.value);
  }
  for (const chart_series& series : c.more_series) {
    for (const chart_point& p : series.points) {
      take(p.value);
    }
  }
  for (const auto& t : c.thresholds) {
    take(t);
  }
  if (lo > hi) {
    return {0, 1};
  }
  if (lo == hi) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    return {lo >= 0 ? std::max(0.0, lo - pad) : lo - pad, hi + pad};
  }
  const double pad = (hi - lo) * 0.08;
  return {lo >= 0 ? std::max(0.0, lo - pad) : lo - pad, hi + pad};
}

void grid_and_axes(std::string& out, const frame& f, const std::vector<double>& ticks,
                   const line_chart& c) {
  out += "<g class=\"grid\">";
  for (const double t : ticks) {
    const std::string y = coord(f.y(t));
    out += "<line x1=\"" + coord(f.x0) + "\" x2=\"" + coord(f.x1) + "\" y1=\"" + y + "\" y2=\"" +
           y + "\"/>";
    out += "<text class=\"tick\" x=\"" + coord(f.x0 - 6) + "\" y=\"" + y +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" +
           escape_html(format_number(t, 4)) + "</text>";
  }
  out += "</g>";
  out += "<text class=\"unit\" x=\"12\" y=\"" + coord((f.y0 + f.y1) / 2) +
         "\" transform=\"rotate(-90 12 " + coord((f.y0 + f.y1) / 2) +
         ")\" text-anchor=\"middle\">" + escape_html(c.unit + (c.log_scale ? " (log)" : "")) +
         "</text>";
  const std::size_t step = (f.n + max_x_labels - 1) / max_x_labels;
  out += "<g class=\"xlabels\">";
  for (std::size_t i = 0; i < f.n; i += std::max<std::size_t>(step, 1)) {
    out += "<text class=\"tick\" x=\"" + coord(f.x(i)) + "\" y=\"" + coord(f.y1 + 16) +
           "\" text-anchor=\"middle\">" + escape_html(c.points[i].label) + "</text>";
  }
  out += "</g>";
  out += "<line class=\"axis\" x1=\"" + coord(f.x0) + "\" x2=\"" + coord(f.x1) + "\" y1=\"" +
         coord(f.y1) + "\" y2=\"" + coord(f.y1) + "\"/>";
}

void threshold_line(std::string& out, const frame& f, const line_chart& c) {
  if (c.thresholds.size() != c.points.size()) {
    return;
  }
  std::string d;
  std::optional<double> previous;
  std::optional<double> last;
  bool constant = true;
  std::optional<double> first;
  for (std::size_t i = 0; i < f.n; ++i) {
    const auto& t = c.thresholds[i];
    if (!t) {
      previous.reset();
      constant = false;
      continue;
    }
    const double v = *t * c.scale;
    first = first.value_or(v);
    constant = constant && v == *first;
    const std::string y = coord(f.y(v));
    const double left = f.x(i) - f.band() / 2;
    const double right = f.x(i) + f.band() / 2;
    if (previous && *previous == v) {
      d += "H" + coord(right);
    } else {
      d += (previous ? "V" + y : "M" + coord(left) + " " + y) + "H" + coord(right);
    }
    previous = v;
    last = v;
  }
  if (d.empty()) {
    return;
  }
  out += "<path class=\"threshold\" d=\"" + d + "\"";
  if (constant && first) {
    out += " data-threshold=\"" + escape_html(format_number(*first, 6)) + "\"";
  }
  out += "><title>" + escape_html(c.threshold_label) + "</title></path>";
  out += "<text class=\"threshold-label\" x=\"" + coord(f.x1 - 2) + "\" y=\"" +
         coord(f.y(*last) - 4) + "\" text-anchor=\"end\">" + escape_html(c.threshold_label) +
         "</text>";
}

/// " series-<n>" for the n-th further series (the first has no extra class): its colour.
std::string series_class(std::size_t series) {
  return series == 0 ? "" : " series-" + std::to_string(series + 1);
}

void series_line(std::string& out, const frame& f, const line_chart& c,
                 const std::vector<chart_point>& points, std::size_t series) {
  std::string d;
  bool open = false;
  for (std::size_t i = 0; i < f.n && i < points.size(); ++i) {
    const auto& v = points[i].value;
    if (!v || !std::isfinite(*v)) {
      open = false;
      continue;
    }
    d += (open ? "L" : "M") + coord(f.x(i)) + " " + coord(f.y(*v * c.scale));
    open = true;
  }
  if (!d.empty()) {
    out += "<path class=\"series" + series_class(series) + "\" d=\"" + d + "\"/>";
  }
}

void point_marks(std::string& out, const frame& f, const line_chart& c,
                 const std::vector<chart_point>& points, std::size_t series,
                 const std::string& name) {
  out += "<g class=\"points\">";
  for (std::size_t i = 0; i < f.n && i < points.size(); ++i) {
    const chart_point& p = points[i];
    const bool measured = p.value && std::isfinite(*p.value);
    if (!measured && c.gap_when_missing) {
      continue;
    }
    const double cx = f.x(i);
    const double cy = measured ? f.y(*p.value * c.scale) : f.y1;
    std::string cls = "point" + series_class(series);
    cls += measured ? "" : " missing";
    cls += p.failed ? " fail" : "";
    cls += p.regression ? " regression" : "";
    if (!p.href.empty()) {
      out += "<a href=\"" + escape_html(p.href) + "\">";
    }
    if (p.regression) {
      out += "<circle class=\"regression-ring\" cx=\"" + coord(cx) + "\" cy=\"" + coord(cy) +
             "\" r=\"9\"/>";
    }
    out += "<circle class=\"" + cls + "\" cx=\"" + coord(cx) + "\" cy=\"" + coord(cy) + "\" r=\"" +
           (p.regression ? "5.5" : "4") + "\" data-key=\"" + escape_html(p.key) + "\"";
    if (!name.empty()) {
      out += " data-series=\"" + escape_html(name) + "\"";
    }
    if (measured) {
      out += " data-value=\"" + escape_html(format_number(*p.value, 6)) + "\"";
    }
    if (p.regression) {
      out += " data-regression=\"true\"";
    }
    out += "><title>" + escape_html(p.tooltip) + "</title></circle>";
    if (!p.href.empty()) {
      out += "</a>";
    }
  }
  out += "</g>";
}

/// Names of the series at the top left of the plot, each in its series' colour; only for a
/// chart whose series are named.
void series_legend(std::string& out, const frame& f, const line_chart& c) {
  if (c.series_name.empty()) {
    return;
  }
  std::vector<std::string> names{c.series_name};
  for (const chart_series& s : c.more_series) {
    names.push_back(s.name);
  }
  out += "<g class=\"series-legend\">";
  double x = f.x0 + 8;
  for (std::size_t k = 0; k < names.size(); ++k) {
    out += "<circle class=\"swatch" + series_class(k) + "\" cx=\"" + coord(x) + "\" cy=\"" +
           coord(f.y0 + 6) + "\" r=\"4\"/><text x=\"" + coord(x + 7) + "\" y=\"" + coord(f.y0 + 6) +
           "\" dominant-baseline=\"middle\">" + escape_html(names[k]) + "</text>";
    x += 14 + 7.0 * static_cast<double>(names[k].size());
  }
  out += "</g>";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
  if (!(hi > lo)) {
    return {lo, lo + 1};
  }
  const double raw = (hi - lo) / std::max(target_count - 1, 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * 10;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * power) {
      step = m * power;
      break;
    }
  }
  std::vector<double> ticks;
  const double start = std::floor(lo / step) * step;
  for (int i = 0; i < 64; ++i) {
    const double t = start + step * i;
    // Snap values like 0.30000000000000004 so labels and positions agree.
    ticks.push_back(std::round(t / step) * step);
    if (t >= hi - step * 1e-9) {
      break;
    }
  }
  if (ticks.size() < 2) {
    ticks.push_back(ticks.back() + step);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi, std::size_t max_count) {
  std::vector<double> all;
  std::vector<double> decades;
  // Integer exponents: multiplying 0.001 by 10 repeatedly drifts off the round values.
  for (int exponent = static_cast<int>(std::floor(std::log10(lo)));
       std::pow(10.0, exponent) <= hi && exponent < 308; ++exponent) {
    const double power = std::pow(10.0, exponent);
    for (const double m : {1.0, 2.0, 5.0}) {
      const double t = m * power;
      if (t >= lo && t <= hi) {
        all.push_back(t);
        if (m == 1.0) {
          decades.push_back(t);
        }
      }
    }
  }
  return all.size() <= max_count || decades.size() < 2 ? all : decades;
}

std::string render_line_chart(const line_chart& c) {
  std::vector<double> ticks;
  double lo = 0;
  double hi = 1;
  if (c.log_scale) {
    std::tie(lo, hi) = log_range(c);
    ticks = log_ticks(lo, hi);
  } else {
    const auto [lo_raw, hi_raw] = value_range(c);
    ticks = nice_ticks(lo_raw, hi_raw);
    lo = ticks.front();
    hi = ticks.back();
  }
  frame f{left_margin,
          static_cast<double>(c.width) - right_margin,
          top_margin,
          static_cast<double>(c.height) - bottom_margin,
          lo,
          hi,
          c.points.size(),
          c.log_scale};

  std::string out;
  out += "<svg class=\"chart\" id=\"" + escape_html(c.id) + "\" viewBox=\"0 0 " +
         std::to_string(c.width) + " " + std::to_string(c.height) +
         "\" role=\"img\" data-points=\"" + std::to_string(c.points.size()) +
         "\" data-has-threshold=\"" +
         (c.thresholds.size() == c.points.size() &&
                  std::any_of(c.thresholds.begin(), c.thresholds.end(),
                              [](const auto& t) { return t.has_value(); })
              ? "true"
              : "false") +
         "\"><title>" + escape_html(c.title) + "</title>";
  grid_and_axes(out, f, ticks, c);
  threshold_line(out, f, c);
  series_line(out, f, c, c.points, 0);
  for (std::size_t k = 0; k < c.more_series.size(); ++k) {
    series_line(out, f, c, c.more_series[k].points, k + 1);
  }
  point_marks(out, f, c, c.points, 0, c.series_name);
  for (std::size_t k = 0; k < c.more_series.size(); ++k) {
    point_marks(out, f, c, c.more_series[k].points, k + 1, c.more_series[k].name);
  }
  series_legend(out, f, c);
  out += "</svg>";
  return out;
}

}  // namespace sse::dashboard
