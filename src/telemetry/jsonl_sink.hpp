#pragma once
// Telemetry as JSON lines (`--telemetry stdout` / `file:PATH`), written off the event path.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/sink.hpp"

namespace sse::telemetry {

/// Writes one JSON object per line (see format.hpp for the shape).
///
/// emit() only moves the event into a bounded queue under a short lock; a writer thread formats
/// and writes whatever is queued in one batch, then flushes. When the queue holds `max_queue`
/// events, emit() drops the event and counts it (dropped() and, if given,
/// metrics::telemetry_dropped_total): a stuck stdout or disk never stalls the gateway.
///
/// Thread safety: emit(), flush() and the getters may be called from any thread.
class jsonl_sink final : public sink {
 public:
  static constexpr std::size_t default_max_queue = 65536;
  static constexpr std::chrono::milliseconds default_flush_timeout{5000};

  /// Writes to `out`, which it does not own (e.g. stdout); `out` must outlive the sink.
  /// `m` may be null; `clock` (not owned, it must outlive the sink; null: the system clock)
  /// stamps events. Throws std::system_error if the writer thread cannot start.
  jsonl_sink(std::FILE* out, std::string node_id, metrics* m = nullptr,
             std::size_t max_queue = default_max_queue, const core::clock* clock = nullptr);

  /// Opens `path` for appending. Throws std::system_error when it cannot be opened
  /// (startup only).
  jsonl_sink(const std::filesystem::path& path, std::string node_id, metrics* m = nullptr,
             std::size_t max_queue = default_max_queue, const core::clock* clock = nullptr);

  /// Writes everything still queued, then stops the writer. Blocks as long as the output does
  /// (a stdout pipe nobody reads would hang it): call flush() first to bound the wait at exit.
  ~jsonl_sink() override;

  jsonl_sink(const jsonl_sink&) = delete;
  jsonl_sink& operator=(const jsonl_sink&) = delete;

  /// Sets ts_ms to the clock's now when it is 0, then queues the event or drops it. Never blocks on
  /// I/O.
  void emit(event e) noexcept override;

  /// flush_for(default_flush_timeout).
  void flush() noexcept override;

  /// Waits until every event emitted before the call is written (or failed to write), at most
  /// `timeout`. Returns whether it got there in time.
  bool flush_for(std::chrono::milliseconds timeout) noexcept;

  /// Events dropped: queue full, or lost to a write error.
  std::uint64_t dropped() const noexcept;
  /// Events written successfully.
  std::uint64_t written() const noexcept;

 private:
  void start();
  void run() noexcept;
  void count_drops(std::uint64_t n) noexcept;

  std::FILE* out_;
  bool owns_out_ = false;
  std::string node_id_;
  metrics* metrics_;
  std::size_t max_queue_;
  core::system_clock own_clock_;
  const core::clock& clock_;

  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  mutable std::condition_variable written_cv_;
  std::vector<event> queue_;     // guarded by mutex_
  std::uint64_t accepted_ = 0;   // guarded: events ever queued
  std::uint64_t processed_ = 0;  // guarded: events the writer has finished with
  bool stop_ = false;            // guarded
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> written_{0};
  std::thread writer_;
};

/// Builds the sink for `--telemetry`: "stdout", "file:PATH" (appends) or "none".
/// Throws std::invalid_argument for any other spec and std::system_error when the file cannot be
/// opened: call it at startup only, where an exception means exit non-zero.
/// `clock` as for jsonl_sink.
std::unique_ptr<sink> make_sink(std::string_view spec, std::string node_id, metrics* m,
                                const core::clock* clock = nullptr);

}  // namespace sse::telemetry
