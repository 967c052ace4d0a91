#pragma once
// Process logs (for people) go to stderr through spdlog, so that stdout carries only telemetry
// JSON lines (for machines) when --telemetry stdout.

#include <string_view>

namespace sse::telemetry {

/// Makes spdlog's default logger (named "sse-gateway") write to stderr with the pattern
/// `2025-01-02T03:04:05.678Z info [tid] message`, in UTC, at `level`: trace, debug, info, warn,
/// error or off (anything else means info; config validates the flag). Warnings and errors are
/// flushed at once. Call once at startup from the main thread; calling again replaces it.
void init_logging(std::string_view level);

}  // namespace sse::telemetry
