#pragma once
// A tiny blocking HTTP-ish server on 127.0.0.1:0 for the harness's own self-tests: one thread
// per connection, the test supplies the bytes to answer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sse::test {

class loopback_server {
 public:
  /// Called with the connection's fd and one complete request (head + Content-Length body).
  /// Writes the answer with write_all; returns true to read another request on the same
  /// connection, false to close it.
  using handler = std::function<bool(int fd, const std::string& request)>;

  /// `read_timeout`: a request not complete by then makes the server close the connection.
  explicit loopback_server(handler h,
                           std::chrono::milliseconds read_timeout = std::chrono::seconds(2));
  ~loopback_server();
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  int connections_accepted() const noexcept { return accepted_.load(); }
  /// Requests received so far (whole text).
  std::vector<std::string> requests() const;

  static bool write_all(int fd, std::string_view bytes);

 private:
  void accept_loop();
  void serve(int fd);

  handler handler_;
  std::chrono::milliseconds read_timeout_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace sse::test
