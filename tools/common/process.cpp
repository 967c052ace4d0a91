#include "common/process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace sse::tools {
namespace {

using namespace std::chrono_literals;

std::uint64_t status_kib(const std::string& text, const char* key) {
  const auto at = text.find(key);
  if (at == std::string::npos) {
    return 0;
  }
  return std::strtoull(text.c_str() + at + std::strlen(key), nullptr, 10);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

result<process_usage> read_process_usage(pid_t pid) {
  const std::string stat = read_all("/proc/" + std::to_string(pid) + "/stat");
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) {
    return make_error_code(errc::invalid_argument);
  }
  std::istringstream fields(stat.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // Field 3 (state) is the first after ')'; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) {
      utime = std::stoull(field);
    } else if (i == 15) {
      stime = std::stoull(field);
    }
  }
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  process_usage u;
  u.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  const std::string status = read_all("/proc/" + std::to_string(pid) + "/status");
  u.rss_bytes = status_kib(status, "VmRSS:") * 1024;
  u.peak_rss_bytes = status_kib(status, "VmHWM:") * 1024;
  return u;
}

process_usage self_usage() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  process_usage u;
  u.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  u.peak_rss_bytes = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;
  u.rss_bytes = status_kib(read_all("/proc/self/status"), "VmRSS:") * 1024;
  return u;
}

std::uint64_t raise_open_files_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return 0;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

result<std::uint16_t> pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return make_error_code(errc::internal);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return make_error_code(errc::internal);
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

result<std::uint16_t> wait_for_port_file(const std::string& path, child_process& child,
                                         std::chrono::milliseconds timeout, std::string& message) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_all(path);
    // The file is complete once it holds digits and a newline or the child wrote it whole;
    // accept any positive number that parses fully.
    if (!text.empty()) {
      char* end = nullptr;
      const unsigned long port = std::strtoul(text.c_str(), &end, 10);
      if (port > 0 && port < 65536 && end != text.c_str() && (*end == '\n' || *end == '\0')) {
        return static_cast<std::uint16_t>(port);
      }
    }
    if (!child.running()) {
      message = "child exited with status " + std::to_string(child.exit_code()) +
                " before writing " + path;
      return make_error_code(errc::internal);
    }
    std::this_thread::sleep_for(20ms);
  }
  message = "timed out waiting for " + path;
  return make_error_code(errc::store_unavailable);
}

result<void> wait_for_redis(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = false;
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const char ping[] = "PING\r\n";
      if (::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) == sizeof ping - 1) {
        pollfd p{fd, POLLIN, 0};
        char reply[16] = {};
        if (::poll(&p, 1, 500) == 1 && ::recv(fd, reply, sizeof reply - 1, 0) > 0) {
          ok = std::strncmp(reply, "+PONG", 5) == 0;
        }
      }
    }
    if (fd >= 0) {
      ::close(fd);
    }
    if (ok) {
      return {};
    }
    std::this_thread::sleep_for(20ms);
  }
  return make_error_code(errc::store_unavailable);
}

machine_info describe_machine() {
  machine_info m;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) {
    m.hostname = host;
  }
  std::istringstream cpu(read_all("/proc/cpuinfo"));
  std::string line;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (m.cpu_model.empty() && colon != std::string::npos) {
        m.cpu_model = line.substr(line.find_first_not_of(' ', colon + 1));
      }
    }
  }
  m.cores = std::thread::hardware_concurrency();
  return m;
}

std::string command_output(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) {
    return {};
  }
  char buf[256] = {};
  std::string out;
  if (std::fgets(buf, sizeof buf, pipe) != nullptr) {
    out = buf;
  }
  const int rc = ::pclose(pipe);
  if (rc != 0) {
    return {};
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

}  // namespace sse::tools
