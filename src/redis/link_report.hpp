#pragma once
// Why Redis cannot be reached, for the operator: every connection of a store shares one
// link_report (through connection_config::report) and says which address failed and how
// (connection refused, timed out, authentication failed, not a primary...). The store's owner
// logs each new reason once and names the last one when the store is unavailable.

#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace sse::redis {

class link_report {
 public:
  /// handler(address, reason) for a failure that differs from the last one reported for that
  /// address (so a reconnect loop with backoff logs its reason once, not at every attempt, also
  /// when several addresses fail in turn, as the masters of a cluster). Set before the
  /// connections start; called on a connection's executor, must be quick.
  using handler = std::function<void(const std::string& address, const std::string& reason)>;
  void set_handler(handler h);

  /// A connect or handshake to `address` ("host:port", or "sentinels") failed. Any thread.
  void failed(const std::string& address, const std::string& reason);
  /// A connection to `address` completed its handshake: the next failure of any address is news
  /// again; the last failure is forgotten when it was of this address. Any thread.
  void connected(const std::string& address);

  /// "host:port: reason" of the last failure since the last connect; empty when none. Any thread.
  std::string last() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> reasons_;  // by address, since the last connect
  std::string last_address_;
  std::string last_;
  handler handler_;
};

}  // namespace sse::redis
