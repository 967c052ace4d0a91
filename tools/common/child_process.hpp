#pragma once
// A child process (the gateway, redis-server, the load tool, curl, ...) for the tools and the
// tests alike: started with fork/execve, its stdout and stderr in files, every wait bounded,
// never left running by its owner. Tests reach it through tests/support (which links
// sse_tools_common); nothing in src/ may use it.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sse::tools {

struct child_options {
  std::string program;            ///< a path; without '/' it is looked up on PATH
  std::vector<std::string> args;  ///< argv[1..]
  /// Added to (or replacing in) this process's environment.
  std::vector<std::pair<std::string, std::string>> env;
  /// Names removed from the inherited environment (e.g. SSE_GATEWAY_* of the developer's shell).
  std::vector<std::string> unset_env;
  /// Where <name>.stdout.log and <name>.stderr.log go (truncated); empty: a temporary folder
  /// owned by the child_process and removed with it (kept when SSE_KEEP_TEST_DIRS is set).
  std::filesystem::path output_dir;
  /// Prefix of the log file names; lets several children share a folder.
  std::string name = "child";
  /// PR_SET_PDEATHSIG(SIGKILL): the child dies with the thread that started it, so a crashed
  /// parent leaves no server behind. Start children from a thread that outlives them.
  bool die_with_parent = true;
  /// When set, stdout and stderr are both appended to this one file instead (a tool's
  /// gateway.log); output_dir and name then name no log.
  std::filesystem::path combined_log;
  /// What the destructor does with a child still running: SIGTERM, and SIGKILL after this
  /// grace; zero: SIGKILL at once (a test's server has nothing to flush).
  std::chrono::milliseconds stop_grace{0};
};

/// Thread safety: one thread at a time per object.
class child_process {
 public:
  /// No child: running() is false, pid() is -1.
  child_process() = default;
  /// Starts the program. Throws std::runtime_error when it cannot be started (not found, log
  /// not writable, fork or execve failed: the message names the program and errno).
  explicit child_process(child_options options);
  /// Stops the child if it still runs (see child_options::stop_grace) and reaps it (bounded).
  ~child_process();
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  const child_options& options() const noexcept { return options_; }

  /// Sends sig to the child. False when it has already been reaped or kill() failed.
  bool signal(int sig) noexcept;

  /// Waits until the child exits, at most `timeout`. Returns the raw waitpid status (use
  /// describe_status / exited_with / exit_code_of) or nullopt if it is still running at the
  /// deadline. Once reaped, later calls return the same status at once.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

  /// True while the child has not exited (reaps it when it has).
  bool running();

  /// The raw status once reaped (by wait_exit, running(), stop or kill_and_wait).
  std::optional<int> exit_status() const noexcept { return status_; }
  /// The status as a shell reports it: the exit code, 128 + signal when killed by one; -1
  /// while not reaped (or no child).
  int exit_code() const noexcept;

  /// SIGKILL and reap (bounded). Returns the raw status, nullopt if it could not be reaped.
  std::optional<int> kill_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// SIGTERM, wait up to `grace`, then kill_and_wait. Returns the raw status.
  std::optional<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  std::filesystem::path stdout_path() const;
  std::filesystem::path stderr_path() const;
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  void start();
  void release() noexcept;

  child_options options_;
  std::filesystem::path own_dir_;  ///< the temporary log folder this object removes, if any
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// "exited with 0", "killed by signal 9 (Killed)", ... for messages.
std::string describe_status(int status);

/// True when status says the process exited normally with `code`.
bool exited_with(const std::optional<int>& status, int code) noexcept;

/// A raw status as a shell reports it: the exit code, or 128 + the signal that killed it.
int exit_code_of(int status) noexcept;

/// Absolute path of `name` found on PATH (or name itself when it contains '/'); empty when not
/// found or not executable.
std::string find_executable(const std::string& name);

}  // namespace sse::tools
