#pragma once
// The TelemetrySink seam (an interface because it has several real implementations: JSON lines,
// memory for tests, the chaos tests' tagging sink). Operators' runbooks key on these event names,
// so they are part of the public contract (README "Telemetry").

#include <boost/json/object.hpp>
#include <string>

namespace sse::telemetry {

/// One telemetry event. The sink adds `ts` (if 0) and the node id when it writes it.
struct event {
  std::string name;       ///< e.g. "SseResumeAttempt"
  std::string stream;     ///< stream id, empty when not about one stream
  boost::json::object fields;
  long long ts_ms = 0;    ///< Unix ms; 0 = now
};

/// Thread safety: emit() may be called from any thread, concurrently. It never blocks the
/// caller on I/O: a sink that writes does so on its own thread and counts what it drops.
class sink {
 public:
  virtual ~sink() = default;
  virtual void emit(event e) noexcept = 0;
  /// Waits (bounded: a few seconds at most) until what was emitted before the call is written.
  /// For shutdown, before the process exits. Sinks that do not buffer do nothing.
  virtual void flush() noexcept {}
};

/// Discards everything (`--telemetry none`).
class null_sink final : public sink {
 public:
  void emit(event) noexcept override {}
};

}  // namespace sse::telemetry
