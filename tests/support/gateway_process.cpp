#include "gateway_process.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "json_lines.hpp"

extern char** environ;

namespace sse::test {
namespace {

std::vector<std::string> inherited_gateway_variables() {
  std::vector<std::string> names;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("SSE_GATEWAY_")) {
      names.emplace_back(kv.substr(0, kv.find('=')));
    }
  }
  return names;
}

/// The port written in the file, once it is complete.
std::optional<std::uint16_t> read_port_file(const std::filesystem::path& p) {
  const std::string text = read_file_text(p);
  std::size_t i = 0;
  unsigned long value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && value <= 65535) {
    value = value * 10 + static_cast<unsigned long>(text[i] - '0');
    ++i;
  }
  // Require the end of line (or a stable content on re-read by the caller) so that a file
  // caught half-written is not taken for a shorter port number.
  if (i == 0 || value == 0 || value > 65535 || i >= text.size()) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

}  // namespace

std::string gateway_process::default_binary() {
  if (const char* env = std::getenv("SSE_GATEWAY_BINARY"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef SSE_GATEWAY_BINARY
  return SSE_GATEWAY_BINARY;
#else
  return {};
#endif
}

namespace {

gateway_options with_args(std::vector<std::string> args) {
  gateway_options o;
  o.args = std::move(args);
  return o;
}

}  // namespace

gateway_process::gateway_process(std::vector<std::string> extra_args)
    : gateway_process(with_args(std::move(extra_args))) {}

gateway_process::gateway_process(gateway_options options)
    : options_(std::move(options)), dir_(options_.name) {
  std::string binary = options_.binary.empty() ? default_binary() : options_.binary;
  if (binary.empty()) {
    throw std::runtime_error(
        "gateway_process: no sse-gateway binary known (the target was not built when the tests "
        "were configured, and SSE_GATEWAY_BINARY is not set)");
  }
  const auto port_file = dir_ / "port";
  command_line_ = {"--listen",         "127.0.0.1:0", "--port-file",
                   port_file.string(), "--threads",   std::to_string(options_.threads)};
  if (options_.telemetry_file) {
    command_line_.push_back("--telemetry");
    command_line_.push_back("file:" + telemetry_path().string());
  }
  // The binary refuses to start without an explicit access-control choice: tests
  // that do not choose run without it.
  const bool chooses_auth =
      std::find(options_.args.begin(), options_.args.end(), "--auth") != options_.args.end() ||
      std::any_of(options_.env.begin(), options_.env.end(),
                  [](const auto& kv) { return kv.first == "SSE_GATEWAY_AUTH"; });
  if (!chooses_auth) {
    command_line_.push_back("--auth");
    command_line_.push_back("none");
  }
  command_line_.insert(command_line_.end(), options_.args.begin(), options_.args.end());

  tools::child_options co;
  co.program = binary;
  co.args = command_line_;
  co.env = options_.env;
  co.unset_env = inherited_gateway_variables();
  co.output_dir = dir_.path();
  co.name = options_.name;
  process_ = std::make_unique<tools::child_process>(std::move(co));

  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  for (;;) {
    if (auto port = read_port_file(port_file)) {
      port_ = *port;
      return;
    }
    if (!process_->running()) {
      throw std::runtime_error("gateway_process: " + binary + " " +
                               tools::describe_status(process_->exit_status().value_or(0)) +
                               " before listening.\nstderr:\n" +
                               tail(process_->stderr_text(), 4000) + "\nstdout:\n" +
                               tail(process_->stdout_text(), 2000));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      process_->kill_and_wait();
      throw std::runtime_error("gateway_process: no port file after " +
                               std::to_string(options_.start_timeout.count()) + " ms.\nstderr:\n" +
                               tail(process_->stderr_text(), 4000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// tools::child_process SIGKILLs a still-running child.
gateway_process::~gateway_process() = default;

std::string gateway_process::base_url() const {
  return "http://" + host() + ":" + std::to_string(port_);
}

std::vector<boost::json::object> gateway_process::telemetry_lines() const {
  return parse_json_lines(read_file_text(telemetry_path()));
}

std::vector<boost::json::object> gateway_process::telemetry_named(std::string_view name) const {
  std::vector<boost::json::object> out;
  for (auto& line : telemetry_lines()) {
    if (json_string(line, "name") == name) {
      out.push_back(std::move(line));
    }
  }
  return out;
}

std::vector<boost::json::object> gateway_process::wait_for_telemetry_count(
    std::string_view name, std::size_t count,
    const std::function<bool(const boost::json::object&)>& pred,
    std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<boost::json::object> matches;
    for (auto& line : telemetry_named(name)) {
      if (!pred || pred(line)) {
        matches.push_back(std::move(line));
      }
    }
    if (matches.size() >= count || std::chrono::steady_clock::now() >= deadline) {
      return matches;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<boost::json::object> gateway_process::wait_for_telemetry(
    std::string_view name, const std::function<bool(const boost::json::object&)>& pred,
    std::chrono::milliseconds timeout) const {
  auto matches = wait_for_telemetry_count(name, 1, pred, timeout);
  if (matches.empty()) {
    return std::nullopt;
  }
  return std::move(matches.front());
}

std::optional<int> gateway_process::stop(std::chrono::milliseconds timeout) {
  process_->signal(SIGTERM);
  auto status = process_->wait_exit(timeout);
  if (!status) {
    process_->kill_and_wait();
  }
  return status;
}

void gateway_process::kill() {
  process_->kill_and_wait();
}

bool gateway_process::running() {
  return process_->running();
}

std::string gateway_process::diagnostics() const {
  std::string out = "gateway stderr (tail):\n" + tail(process_->stderr_text(), 3000);
  try {
    out += "\ntelemetry (tail):\n" + describe_json_lines(telemetry_lines(), 40);
  } catch (const std::exception& e) {
    out += "\ntelemetry unreadable: " + std::string(e.what());
  }
  return out;
}

}  // namespace sse::test
