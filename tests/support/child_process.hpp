#pragma once
// A child process for tests (the gateway, redis-server, ...): started with fork/execve, its
// stdout and stderr in files, every wait bounded, never left running by a failed test.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace sse::test {

struct child_options {
  std::string program;            ///< a path; without '/' it is looked up on PATH
  std::vector<std::string> args;  ///< argv[1..]
  /// Added to (or replacing in) the test process's environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Names removed from the inherited environment (e.g. SSE_GATEWAY_* of the developer's shell).
  std::vector<std::string> unset_env;
  /// Where stdout.log / stderr.log go; empty: a temp_dir owned by the child_process.
  std::filesystem::path output_dir;
  /// Prefix of the log file names ("<name>.stdout.log"); lets several children share a folder.
  std::string name = "child";
  /// PR_SET_PDEATHSIG(SIGKILL): the child dies with the thread that started it, so a crashed
  /// test binary leaves no server behind. Start children from a thread that outlives them.
  bool die_with_parent = true;
};

/// Thread safety: one thread at a time per object.
class child_process {
 public:
  /// Starts the program. Throws std::runtime_error when it cannot be started (fork failed,
  /// program not found, execve failed: the message names the program and errno).
  explicit child_process(child_options options);
  /// SIGKILLs the child if it still runs and reaps it (bounded wait).
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  const child_options& options() const noexcept { return options_; }

  /// Sends sig to the child. False when it has already been reaped or kill() failed.
  bool signal(int sig) noexcept;

  /// Waits until the child exits, at most `timeout`. Returns the raw waitpid status (use
  /// describe_status / WIFEXITED...) or nullopt if it is still running at the deadline.
  /// Once reaped, later calls return the same status at once.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// True while the child has not been reaped and waitpid(WNOHANG) does not see it exit.
  bool running();

  /// The status once reaped (by wait_exit or running()).
  std::optional<int> exit_status() const noexcept { return status_; }

  /// SIGKILL and reap (bounded). Returns the status, nullopt if it could not be reaped.
  std::optional<int> kill_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  std::filesystem::path stdout_path() const;
  std::filesystem::path stderr_path() const;
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  child_options options_;
  std::optional<temp_dir> own_dir_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// "exited with 0", "killed by signal 9 (Killed)", ... for assertion messages.
std::string describe_status(int status);

/// True when status says the process exited normally with `code`.
bool exited_with(const std::optional<int>& status, int code) noexcept;

/// Absolute path of `name` found on PATH (or name itself when it contains '/'); empty when not
/// found or not executable.
std::string find_executable(const std::string& name);

}  // namespace sse::test
