#pragma once
// The real `sse-gateway` binary as a child process on 127.0.0.1 with a port picked by the
// kernel (--listen 127.0.0.1:0 --port-file), telemetry to a JSON-lines file that tests read.

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/child_process.hpp"
#include "temp_dir.hpp"

namespace sse::test {

struct gateway_options {
  /// Extra flags, appended after the harness's own (so they win where the parser lets the last
  /// occurrence win, e.g. a second --threads).
  std::vector<std::string> args;
  /// Extra environment. Inherited SSE_GATEWAY_* variables are removed so that the developer's
  /// shell never changes a test.
  std::vector<std::pair<std::string, std::string>> env;
  /// Empty: $SSE_GATEWAY_BINARY, else the path CMake compiled in (the sse-gateway target).
  std::string binary;
  unsigned threads = 2;
  /// --telemetry file:<dir>/telemetry.jsonl (false: the caller passes its own --telemetry).
  bool telemetry_file = true;
  /// Names the log files and the temp folder; several gateways may run side by side.
  std::string name = "gateway";
  std::chrono::milliseconds start_timeout = std::chrono::seconds(10);
};

/// Thread safety: the const accessors and telemetry readers may be called from any thread;
/// stop()/kill() from one thread.
class gateway_process {
 public:
  /// Starts the binary and waits (bounded) until it wrote its port file. Throws
  /// std::runtime_error with the child's stderr when it exits or does not listen in time.
  explicit gateway_process(std::vector<std::string> extra_args = {});
  explicit gateway_process(gateway_options options);
  ~gateway_process();
  gateway_process(const gateway_process&) = delete;
  gateway_process& operator=(const gateway_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::string host() const { return "127.0.0.1"; }
  /// "http://127.0.0.1:<port>"
  std::string base_url() const;

  /// Every complete telemetry line so far, parsed.
  std::vector<boost::json::object> telemetry_lines() const;
  /// Only the lines whose "name" is `name`.
  std::vector<boost::json::object> telemetry_named(std::string_view name) const;
  /// Waits (bounded) for a line named `name` for which pred holds (no pred: any). Returns it,
  /// or nullopt at the deadline.
  std::optional<boost::json::object> wait_for_telemetry(
      std::string_view name, const std::function<bool(const boost::json::object&)>& pred = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  /// Waits until at least `count` lines named `name` (matching pred) exist; returns them all.
  std::vector<boost::json::object> wait_for_telemetry_count(
      std::string_view name, std::size_t count,
      const std::function<bool(const boost::json::object&)>& pred = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

  /// SIGTERM, then waits up to `timeout` for the exit. Returns the wait status; nullopt when it
  /// did not exit in time (it is then SIGKILLed so that nothing is left running).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// SIGKILL and reap.
  void kill();
  bool running();

  tools::child_process& process() noexcept { return *process_; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  std::filesystem::path telemetry_path() const { return dir_ / "telemetry.jsonl"; }
  std::string stderr_text() const { return process_->stderr_text(); }
  std::string stdout_text() const { return process_->stdout_text(); }
  /// The tail of stderr and the telemetry, for assertion messages.
  std::string diagnostics() const;
  const std::vector<std::string>& command_line() const noexcept { return command_line_; }

  /// The binary path this harness uses ("" when none is known).
  static std::string default_binary();

 private:
  gateway_options options_;
  temp_dir dir_;
  std::vector<std::string> command_line_;
  std::unique_ptr<tools::child_process> process_;
  std::uint16_t port_ = 0;
};

}  // namespace sse::test
