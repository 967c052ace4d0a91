#pragma once
// Why Redis cannot be reached, for the operator: every connection of a store shares one
// link_report (through connection_config::report) and says which address failed and how
// (connection refused, timed out, authentication failed, not a primary...). The store's owner
// logs each new reason once and names the last one when the store is unavailable.

#include <functional>
#include <mutex>
#include <string>

namespace sse::redis {

class link_report {
 public:
  /// handler(address, reason) for a failure that differs from the last one reported (so a
  /// reconnect loop with backoff logs its reason once, not at every attempt). Set before the
  /// connections start; called on a connection's executor, must be quick.
  using handler = std::function<void(const std::string& address, const std::string& reason)>;
  void set_handler(handler h);

  /// A connect or handshake to `address` ("host:port", or "sentinels") failed. Any thread.
  void failed(const std::string& address, const std::string& reason);
  /// A connection completed its handshake: the next failure is news again. Any thread.
  void connected();

  /// "host:port: reason" of the last failure since the last connect; empty when none. Any thread.
  std::string last() const;

 private:
  mutable std::mutex mu_;
  std::string last_;
  handler handler_;
};

}  // namespace sse::redis
