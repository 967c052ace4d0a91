#include "redis_server.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <csignal>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "free_port.hpp"

namespace sse::test {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

redis_reply convert(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = redis_reply::kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = redis_reply::kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = redis_reply::kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = redis_reply::kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      for (std::size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(convert(r->element[i]));
      }
      break;
    default:
      out.type = redis_reply::kind::nil;
      break;
  }
  return out;
}

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

}  // namespace

std::string redis_reply::describe() const {
  switch (type) {
    case kind::string:
    case kind::status:
      return str;
    case kind::error:
      return "(error) " + str;
    case kind::integer:
      return "(integer) " + std::to_string(integer);
    case kind::nil:
      return "(nil)";
    case kind::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        out += (i == 0 ? "" : ", ") + elements[i].describe();
      }
      return out + "]";
    }
  }
  return "?";
}

bool redis_server::available(const std::string& program) {
  return !tools::find_executable(program).empty();
}

redis_server::redis_server(redis_options options)
    : options_(std::move(options)), dir_(options_.name) {
  if (!available(options_.program)) {
    throw std::runtime_error("redis_server: '" + options_.program + "' not found on PATH");
  }
  std::string failures;
  for (int attempt = 0; attempt < options_.port_attempts; ++attempt) {
    std::string failure;
    if (launch(free_port(), failure)) {
      return;
    }
    failures += failure + "\n";
    if (failure.find("Address already in use") == std::string::npos) {
      break;  // not a port race: another attempt would fail the same way
    }
    // The port taken may be a cluster node's bus port, not its client port: pick that one anew
    // too, and drop the nodes.conf the failed start wrote, which would pin the taken port again.
    std::string nodes_conf = "nodes.conf";  // redis-server's default --cluster-config-file
    bool cluster_port = false;
    for (std::size_t i = 0; i + 1 < options_.args.size(); ++i) {
      if (options_.args[i] == "--cluster-config-file") {
        nodes_conf = options_.args[i + 1];
      } else if (options_.args[i] == "--cluster-port") {
        options_.args[i + 1] = std::to_string(free_port());
        cluster_port = true;
      }
    }
    if (cluster_port) {
      std::error_code ignored;
      std::filesystem::remove(dir_.path() / nodes_conf, ignored);
    }
  }
  throw std::runtime_error("redis_server: could not start:\n" + failures);
}

redis_server::~redis_server() {
  disconnect();
  if (process_) {
    process_->kill_and_wait();
  }
}

std::string redis_server::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

bool redis_server::launch(std::uint16_t port, std::string& failure) {
  disconnect();
  tools::child_options co;
  co.program = options_.program;
  co.args.clear();
  if (!options_.config_text.empty()) {
    const auto conf = dir_.path() / "redis.conf";
    if (!std::filesystem::exists(conf)) {
      // Written once: Sentinel rewrites it with what it learnt, kept across restarts.
      std::ofstream(conf) << options_.config_text;
    }
    co.args.push_back(conf.string());
  }
  co.args.insert(co.args.end(), options_.mode_args.begin(), options_.mode_args.end());
  const std::vector<std::string> own = {"--port",       std::to_string(port),
                                        "--bind",       "127.0.0.1",
                                        "--save",       "",
                                        "--appendonly", "no",
                                        "--dir",        dir_.path().string(),
                                        "--daemonize",  "no"};
  co.args.insert(co.args.end(), own.begin(), own.end());
  co.args.insert(co.args.end(), options_.args.begin(), options_.args.end());
  co.output_dir = dir_.path();
  co.name = options_.name + "-" + std::to_string(generation_++);
  process_ = std::make_unique<tools::child_process>(std::move(co));
  port_ = port;
  paused_ = false;

  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string last_error;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      failure = "redis-server on port " + std::to_string(port) + " " +
                tools::describe_status(process_->exit_status().value_or(0)) + ":\n" +
                tail(process_->stdout_text() + process_->stderr_text(), 3000);
      return false;
    }
    try {
      if (command_argv({"PING"}, std::chrono::milliseconds(500)).str == "PONG") {
        return true;
      }
      // -LOADING while an AOF is replayed: keep waiting
    } catch (const std::exception& e) {
      last_error = e.what();
      disconnect();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  failure = "redis-server on port " + std::to_string(port) + " did not answer PING in time (" +
            last_error + "):\n" + tail(process_->stdout_text(), 3000);
  process_->kill_and_wait();
  return false;
}

void redis_server::disconnect() noexcept {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
}

void redis_server::connect(std::chrono::milliseconds timeout) {
  disconnect();
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, to_timeval(timeout));
  if (c == nullptr || c->err != 0) {
    const std::string why = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) {
      redisFree(c);
    }
    throw std::runtime_error("redis connect 127.0.0.1:" + std::to_string(port_) + ": " + why);
  }
  context_ = c;
}

redis_reply redis_server::command_argv(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout) {
  if (context_ == nullptr) {
    connect(timeout);
  }
  redisSetTimeout(context_, to_timeval(timeout));
  std::vector<const char*> args;
  std::vector<std::size_t> lengths;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), args.data(), lengths.data()));
  if (reply == nullptr) {
    const std::string why = context_->errstr;
    disconnect();  // a hiredis context is unusable after an I/O error
    throw std::runtime_error("redis command " + (argv.empty() ? "" : argv[0]) + ": " + why);
  }
  redis_reply out = convert(reply);
  freeReplyObject(reply);
  return out;
}

void redis_server::pause() {
  if (process_->signal(SIGSTOP)) {
    paused_ = true;
  }
}

void redis_server::resume() {
  if (process_->signal(SIGCONT)) {
    paused_ = false;
  }
}

void redis_server::stop(bool graceful) {
  disconnect();
  if (paused_) {
    resume();
  }
  if (graceful) {
    process_->signal(SIGTERM);
    if (process_->wait_exit(std::chrono::seconds(10))) {
      return;
    }
  }
  process_->kill_and_wait();
}

void redis_server::start() {
  if (process_ && process_->running()) {
    return;
  }
  std::string failure;
  // The same port on purpose (clients reconnect to it); redis sets SO_REUSEADDR, so only another
  // process taking the port in between can make this fail.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (launch(port_, failure)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("redis_server: restart on port " + std::to_string(port_) + " failed:\n" +
                           failure);
}

void redis_server::restart(bool graceful) {
  stop(graceful);
  start();
}

bool redis_server::running() {
  return process_ && process_->running();
}

std::string redis_server::log_text() const {
  return process_ ? process_->stdout_text() + process_->stderr_text() : std::string();
}

}  // namespace sse::test
