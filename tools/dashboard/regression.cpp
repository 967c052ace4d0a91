#include "dashboard/regression.hpp"

#include <algorithm>
#include <cmath>

namespace sse::dashboard {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n == 0) {
    return 0;
  }
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::vector<regression_check> detect_regressions(std::span<const std::optional<double>> values,
                                                 worse_when worse, double noise_floor,
                                                 const regression_options& options) {
  std::vector<regression_check> checks(values.size());
  std::vector<double> earlier;  // measured values before the current one, oldest first
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto& v = values[i];
    if (!v) {
      continue;
    }
    if (options.baseline_runs > 0 && earlier.size() >= options.baseline_runs) {
      const double base = median(std::vector<double>(
          earlier.end() - static_cast<std::ptrdiff_t>(options.baseline_runs), earlier.end()));
      const double allowed = std::max(options.margin * std::fabs(base), noise_floor);
      const double by = worse == worse_when::higher ? *v - base : base - *v;
      checks[i].baseline = base;
      checks[i].regression = by > allowed;
    }
    earlier.push_back(*v);
  }
  return checks;
}

}  // namespace sse::dashboard
