#pragma once
// A loopback TCP proxy in front of a redis-server for tests of failures Redis itself cannot
// stage: swap_upstreams() replaces every client's server-side connection by a fresh one while
// the client's own connection stays open (what a proxy in front of a failed-over primary does:
// the client's SUBSCRIBE state is silently gone, PING still answers), black_hole() drops
// every byte in both directions without closing anything, and drop_next_command() keeps one
// command from the server (its reply never comes while the link stays open: what a swap does to
// a command in flight, but deterministic).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace sse::test {

/// Thread safety: the methods may be called from any thread; the proxy runs on its own thread.
class redis_proxy {
 public:
  /// Listens on 127.0.0.1:<free port> and forwards every connection to target_port.
  explicit redis_proxy(std::uint16_t target_port);
  ~redis_proxy();
  redis_proxy(const redis_proxy&) = delete;
  redis_proxy& operator=(const redis_proxy&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// "redis://127.0.0.1:<port>"
  std::string url() const;

  /// Replaces every session's upstream connection (blocks until done). Bytes in flight are lost.
  void swap_upstreams();
  /// While on, bytes read from either side are discarded.
  void black_hole(bool on) { black_hole_.store(on); }
  /// The next command named `name` (case-insensitive) that any client sends is not forwarded
  /// (once); the ones before and after it are. Blocks until armed. Commands are framed from the
  /// client's RESP arrays; a session that sends anything else is forwarded raw.
  void drop_next_command(const std::string& name);
  /// Commands kept from the server by drop_next_command() so far.
  std::size_t dropped_commands() const;
  /// Sessions (client connections) open now.
  std::size_t sessions() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
  std::atomic<bool> black_hole_{false};
  std::thread thread_;
};

}  // namespace sse::test
