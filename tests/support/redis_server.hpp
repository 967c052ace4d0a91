#pragma once
// A private redis-server for tests: its own free port on 127.0.0.1, its own temp folder, no
// persistence unless asked, never the system service. Plus a tiny blocking client (hiredis) to
// inspect or poke it.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/child_process.hpp"
#include "temp_dir.hpp"

struct redisContext;

namespace sse::test {

/// A reply from redis_server::command (RESP2).
struct redis_reply {
  enum class kind { string, array, integer, nil, status, error };
  kind type = kind::nil;
  std::string str;  ///< string, status or error text
  long long integer = 0;
  std::vector<redis_reply> elements;

  bool is_error() const noexcept { return type == kind::error; }
  bool is_nil() const noexcept { return type == kind::nil; }
  /// A readable rendering ("OK", "(integer) 3", "[a, b]", "(error) ...").
  std::string describe() const;
};

struct redis_options {
  /// Extra redis-server arguments, after the harness's own (later ones win), e.g.
  /// {"--appendonly", "yes", "--appendfsync", "always"}.
  std::vector<std::string> args;
  std::string program = "redis-server";
  /// A config file given before every other argument (Sentinel needs one it can rewrite);
  /// written by config_text() into the server's folder when that is set. Empty: none.
  std::string config_text;
  std::string name = "redis";
  /// Extra arguments right after the config file (e.g. "--sentinel").
  std::vector<std::string> mode_args;
  std::chrono::milliseconds start_timeout = std::chrono::seconds(10);
  int port_attempts = 5;  ///< free_port() races with other processes: retry on bind failure
};

/// Thread safety: one thread at a time.
class redis_server {
 public:
  /// Starts redis-server and waits (bounded) until PING answers PONG. Throws
  /// std::runtime_error with the server's log when it cannot be started.
  explicit redis_server(redis_options options = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  /// True when the redis-server program can be found (tests fail otherwise: the bootstrap
  /// installs it).
  static bool available(const std::string& program = "redis-server");

  std::uint16_t port() const noexcept { return port_; }
  std::string host() const { return "127.0.0.1"; }
  /// "redis://127.0.0.1:<port>"
  std::string url() const;
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }

  /// Runs one command on the harness's own connection (reconnecting if needed). Redis errors
  /// come back as kind::error; I/O failures and timeouts throw std::runtime_error.
  redis_reply command_argv(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));
  template <class... Args>
  redis_reply command(std::string_view name, const Args&... args) {
    return command_argv({std::string(name), std::string(args)...});
  }

  /// SIGSTOP / SIGCONT: the server holds its connections but answers nothing.
  void pause();
  void resume();
  bool paused() const noexcept { return paused_; }

  /// Stops the server: graceful = SIGTERM (redis writes its AOF/RDB as configured) and a
  /// bounded wait, else SIGKILL.
  void stop(bool graceful = true);
  /// Starts it again on the same port and folder (after stop()); waits for PING.
  void start();
  /// stop(graceful) + start(): same port, same folder (so an AOF is replayed).
  void restart(bool graceful = true);
  bool running();

  tools::child_process& process() { return *process_; }
  /// The server's log (stdout).
  std::string log_text() const;

 private:
  bool launch(std::uint16_t port, std::string& failure);
  void disconnect() noexcept;
  void connect(std::chrono::milliseconds timeout);

  redis_options options_;
  temp_dir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<tools::child_process> process_;
  redisContext* context_ = nullptr;
  bool paused_ = false;
  int generation_ = 0;  // numbers the log files of successive starts
};

}  // namespace sse::test
