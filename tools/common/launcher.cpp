#include "common/launcher.hpp"

#include <unistd.h>

#include <algorithm>

namespace sse::tools {
namespace {

bool has_flag(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
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
  auto child = child_process::spawn(argv, out.log_path);
  if (!child) {
    message = "cannot start " + options.binary;
    return child.error();
  }
  out.process = std::move(*child);
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
    auto child = child_process::spawn(argv, out.log_path);
    if (!child) {
      message = "cannot start redis-server";
      return child.error();
    }
    out.process = std::move(*child);
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
