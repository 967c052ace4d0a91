#include "telemetry/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace sse::telemetry {
namespace {

spdlog::level::level_enum to_level(std::string_view level) {
  if (level == "trace") {
    return spdlog::level::trace;
  }
  if (level == "debug") {
    return spdlog::level::debug;
  }
  if (level == "warn") {
    return spdlog::level::warn;
  }
  if (level == "error") {
    return spdlog::level::err;
  }
  if (level == "off") {
    return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void init_logging(std::string_view level) {
  // Built by hand rather than with stderr_color_mt() so that a second call does not throw on
  // the name already being registered: set_default_logger replaces it.
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("sse-gateway", std::move(sink));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l [%t] %v", spdlog::pattern_time_type::utc);
  logger->set_level(to_level(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace sse::telemetry
