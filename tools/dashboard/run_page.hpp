#pragma once
// runs/<id>.html: one run's facts, its gate rules, and a chart of every window metric with the
// window rules' thresholds. Pure: the run (and its neighbours, for navigation) in, document out.

#include <string>
#include <vector>

#include "dashboard/run_record.hpp"

namespace sse::dashboard {

/// How a time-series column is shown: unit, display scale, log axis.
struct column_style {
  std::string unit;
  double scale = 1;
  bool log_scale = false;
};

/// "_ms" columns: ms on a log axis; "_rate": percent; "_per_s": per second; else a count.
column_style style_of_column(const std::string& column);

/// `runs` oldest first; `index` is the run to render.
std::string render_run_page(const std::vector<run_record>& runs, std::size_t index);

}  // namespace sse::dashboard
