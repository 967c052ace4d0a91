#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace sse::test {

loopback_server::loopback_server(handler h, std::chrono::milliseconds read_timeout)
    : handler_(std::move(h)), read_timeout_(read_timeout) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("loopback_server: cannot listen on 127.0.0.1:0");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

loopback_server::~loopback_server() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : workers_) {
    t.join();
  }
  ::close(listen_fd_);
}

std::vector<std::string> loopback_server::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool loopback_server::write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void loopback_server::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) {
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    ++accepted_;
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void loopback_server::serve(int fd) {
  std::string pending;
  for (;;) {
    // Read one request: head up to the blank line, then Content-Length bytes of body.
    const auto deadline = std::chrono::steady_clock::now() + read_timeout_;
    std::string request;
    bool complete = false;
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      const auto head_end = pending.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::size_t body_len = 0;
        const auto cl = pending.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) {
          body_len = std::strtoul(pending.c_str() + cl + 16, nullptr, 10);
        }
        if (pending.size() >= head_end + 4 + body_len) {
          request = pending.substr(0, head_end + 4 + body_len);
          pending.erase(0, request.size());
          complete = true;
          break;
        }
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        break;
      }
      pending.append(buf, static_cast<std::size_t>(n));
    }
    if (!complete) {
      break;
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    if (!handler_(fd, request)) {
      break;
    }
  }
  ::close(fd);
}

}  // namespace sse::test
