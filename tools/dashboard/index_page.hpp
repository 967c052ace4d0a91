#pragma once
// index.html: regressions first, skipped runs, one trend chart per gate metric with its
// threshold, and the table of runs. Pure: history in, document out.

#include <string>

#include "dashboard/history.hpp"
#include "dashboard/regression.hpp"

namespace sse::dashboard {

std::string render_index(const history& h, const regression_options& options);

}  // namespace sse::dashboard
