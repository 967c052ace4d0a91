#include "common/launcher.hpp"

#include <unistd.h>

#include <algorithm>
#include <exception>

namespace sse::tools {
namespace {

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
}

/// Starts argv with stdout and stderr appended to log_path, stopped (SIGTERM, then SIGKILL after
/// 5 s) if its owner goes away without stopping it. Not tied to the starting thread's life.
result<child_process> start_logged(const std::vector<std::string>& argv,
                                   const std::string& log_path, std::string& message) {
  child_options o;
  o.program = argv.front();
  o.args.assign(argv.begin() + 1, argv.end());
  o.combined_log = log_path;
  o.die_with_parent = false;
  o.stop_grace = std::chrono::seconds(5);
  try {
    return child_process(std::move(o));
  } catch (const std::exception& e) {
    message = std::string("cannot start ") + e.what();
    return make_error_code(errc::internal);
  }
}

}  // namespace

result<launched_process> launch_gateway(const gateway_launch& options, std::string& message) {
  const std::string port_file = options.work_dir + "/gateway.port";
  ::unlink(port_file.c_str());
  std::vector<std::string> argv{options.binary, "--listen", "127.0.0.1:0", "--port-file",
                                port_file};
  const std::pair<const char*, std::string> defaults[] = {
      {"--telemetry", "none"},
      {"--auth", "none"},  // the gate measures delivery, not access control
      {"--store", options.store},
  };
  for (const auto& [flag, value] : defaults) {
    if (!has_flag(options.extra_args, flag)) {
      argv.push_back(flag);
      argv.push_back(value);
    }
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  launched_process out;
  out.log_path = options.work_dir + "/gateway.log";
  if (auto started = start_logged(argv, out.log_path, message); started) {
    out.process = std::move(*started);
  } else {
    return started.error();
  }
  auto port = wait_for_port_file(port_file, out.process, options.start_timeout, message);
  if (!port) {
    message = "gateway did not start: " + message + " (log: " + out.log_path + ")";
    return port.error();
  }
  out.port = *port;
  return out;
}

result<launched_process> launch_redis(const std::string& work_dir, std::string& message,
                                      std::chrono::milliseconds timeout) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto port = pick_free_port();
    if (!port) {
      message = "no free port";
      return port.error();
    }
    launched_process out;
    out.log_path = work_dir + "/redis.log";
    const std::vector<std::string> argv{"redis-server",
                                        "--port",
                                        std::to_string(*port),
                                        "--bind",
                                        "127.0.0.1",
                                        "--save",
                                        "",
                                        "--appendonly",
                                        "no",
                                        "--dir",
                                        work_dir,
                                        "--daemonize",
                                        "no",
                                        "--protected-mode",
                                        "yes"};
    if (auto started = start_logged(argv, out.log_path, message); started) {
      out.process = std::move(*started);
    } else {
      return started.error();
    }
    if (wait_for_redis(*port, timeout)) {
      out.port = *port;
      return out;
    }
    out.process.stop();
  }
  message = "redis-server did not answer PING (log: " + work_dir + "/redis.log)";
  return make_error_code(errc::store_unavailable);
}

}  // namespace sse::tools
