#include "metric_value.hpp"

#include <exception>
#include <string>

namespace sse::test {

std::optional<double> metric_value(std::string_view metrics_text, std::string_view sample) {
  while (!metrics_text.empty()) {
    const auto end = metrics_text.find('\n');
    const auto line = metrics_text.substr(0, end);
    metrics_text =
        end == std::string_view::npos ? std::string_view() : metrics_text.substr(end + 1);
    if (line.size() > sample.size() && line.starts_with(sample) && line[sample.size()] == ' ') {
      try {
        return std::stod(std::string(line.substr(sample.size() + 1)));
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

}  // namespace sse::test
