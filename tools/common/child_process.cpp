#include "common/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace sse::tools {
namespace {

// argv/envp are built before fork(): after fork in a threaded process only async-signal-safe
// calls are allowed in the child, so no allocation happens there.
struct c_strings {
  std::vector<std::string> storage;
  std::vector<char*> pointers;

  void finish() {
    pointers.clear();
    for (auto& s : storage) {
      pointers.push_back(s.data());
    }
    pointers.push_back(nullptr);
  }
};

c_strings build_env(const child_options& o) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) {
      vars[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  for (const auto& name : o.unset_env) {
    vars.erase(name);
  }
  for (const auto& [k, v] : o.env) {
    vars[k] = v;
  }
  c_strings out;
  for (const auto& [k, v] : vars) {
    out.storage.push_back(k + "=" + v);
  }
  out.finish();
  return out;
}

int open_log(const std::filesystem::path& p, int mode) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::runtime_error("open " + p.string() + ": " + std::strerror(errno));
  }
  return fd;
}

std::filesystem::path make_own_dir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = (base != nullptr && *base != '\0') ? base : "/tmp";
  tmpl += "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::runtime_error("mkdtemp(" + tmpl + "): " + std::strerror(errno));
  }
  return buf.data();
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    if (dir.empty()) {
      dir = ".";
    }
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

child_process::child_process(child_options options) : options_(std::move(options)) {
  try {
    start();
  } catch (...) {
    release();  // reaps a child whose exec failed, removes a log folder made for it
    throw;
  }
}

void child_process::start() {
  const std::string exe = find_executable(options_.program);
  if (exe.empty()) {
    throw std::runtime_error("child_process: '" + options_.program +
                             "' not found or not executable");
  }
  if (options_.combined_log.empty() && options_.output_dir.empty()) {
    own_dir_ = make_own_dir(options_.name);
    options_.output_dir = own_dir_;
  }

  c_strings argv;
  argv.storage.push_back(exe);
  argv.storage.insert(argv.storage.end(), options_.args.begin(), options_.args.end());
  argv.finish();
  c_strings envp = build_env(options_);

  // A combined log is appended to (a tool restarts its gateway into the same log); separate
  // logs start empty, so a test reads only this child's output.
  const bool combined = !options_.combined_log.empty();
  const int out_fd = open_log(stdout_path(), combined ? O_APPEND : O_TRUNC);
  int err_fd = -1;  // combined: stderr goes to out_fd too
  if (!combined) {
    try {
      err_fd = open_log(stderr_path(), O_TRUNC);
    } catch (...) {
      ::close(out_fd);
      throw;
    }
  }
  // exec failure is reported through a close-on-exec pipe: EOF means execve succeeded.
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(out_fd);
    if (err_fd >= 0) {
      ::close(err_fd);
    }
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(err));
  }
  const pid_t parent = ::getpid();
  const bool die_with_parent = options_.die_with_parent;

  const pid_t pid = ::fork();
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) {
        ::_exit(127);
      }
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
    }
    ::dup2(out_fd, 1);
    ::dup2(err_fd >= 0 ? err_fd : out_fd, 2);
    ::execve(argv.pointers[0], argv.pointers.data(), envp.pointers.data());
    const int err = errno;
    [[maybe_unused]] auto n = ::write(report[1], &err, sizeof(err));
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(out_fd);
  if (err_fd >= 0) {
    ::close(err_fd);
  }
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
  }
  pid_ = pid;
  int exec_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n > 0) {
    wait_exit(std::chrono::seconds(5));
    throw std::runtime_error("child_process: execve " + exe + ": " + std::strerror(exec_errno));
  }
}

child_process::~child_process() {
  release();
}

child_process::child_process(child_process&& other) noexcept
    : options_(std::move(other.options_)),
      own_dir_(std::exchange(other.own_dir_, {})),
      pid_(std::exchange(other.pid_, -1)),
      status_(std::exchange(other.status_, std::nullopt)) {}

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    release();
    options_ = std::move(other.options_);
    own_dir_ = std::exchange(other.own_dir_, {});
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

void child_process::release() noexcept {
  if (pid_ > 0 && !status_) {
    if (options_.stop_grace.count() > 0) {
      stop(options_.stop_grace);
    } else {
      kill_and_wait();
    }
  }
  if (!own_dir_.empty() && std::getenv("SSE_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(own_dir_, ignored);
  }
  own_dir_.clear();
  pid_ = -1;
  status_.reset();
}

bool child_process::signal(int sig) noexcept {
  if (pid_ <= 0 || status_) {
    return false;
  }
  return ::kill(pid_, sig) == 0;
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (status_ || pid_ <= 0) {
    return status_;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto poll = std::chrono::milliseconds(1);
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      return status_;
    }
    if (r < 0 && errno != EINTR) {
      return std::nullopt;  // not our child any more (reaped elsewhere): nothing to wait for
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(poll);
    poll = std::min(poll * 2, std::chrono::milliseconds(20));
  }
}

bool child_process::running() {
  if (pid_ <= 0 || status_) {
    return false;
  }
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    return false;
  }
  return r == 0 || (r < 0 && errno == EINTR);  // r < 0 otherwise: not our child any more
}

int child_process::exit_code() const noexcept {
  return status_ ? exit_code_of(*status_) : -1;
}

std::optional<int> child_process::kill_and_wait(std::chrono::milliseconds timeout) {
  if (status_) {
    return status_;
  }
  signal(SIGKILL);
  return wait_exit(timeout);
}

std::optional<int> child_process::stop(std::chrono::milliseconds grace) {
  if (status_ || pid_ <= 0) {
    return status_;
  }
  signal(SIGTERM);
  if (auto status = wait_exit(grace)) {
    return status;
  }
  return kill_and_wait();
}

std::filesystem::path child_process::stdout_path() const {
  if (!options_.combined_log.empty()) {
    return options_.combined_log;
  }
  return options_.output_dir / (options_.name + ".stdout.log");
}

std::filesystem::path child_process::stderr_path() const {
  if (!options_.combined_log.empty()) {
    return options_.combined_log;
  }
  return options_.output_dir / (options_.name + ".stderr.log");
}

std::string child_process::stdout_text() const {
  return read_text(stdout_path());
}

std::string child_process::stderr_text() const {
  return read_text(stderr_path());
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    return "exited with " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + " (" + (name != nullptr ? name : "?") + ")" +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "raw wait status " + std::to_string(status);
}

bool exited_with(const std::optional<int>& status, int code) noexcept {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

int exit_code_of(int status) noexcept {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

}  // namespace sse::tools
