#pragma once
// Folds the up/down state of several connections into one "store available" signal, with a
// handler called on each transition (for /readyz and SseStoreUnavailable/SseStoreRecovered).

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace sse::redis {

class availability {
 public:
  /// handler(true) when every connection is up, handler(false) when one goes down after that.
  /// Called on the thread of the connection that changed, under this object's lock: it must be
  /// quick and must not call back into this object.
  explicit availability(std::size_t connections) : up_(connections, false) {}

  void set_handler(std::function<void(bool)> handler);

  /// Connection i reports its state. Any thread.
  void report(std::size_t i, bool up);

  /// True when every connection is up. Any thread.
  bool all_up() const;

 private:
  mutable std::mutex mu_;
  std::vector<bool> up_;
  std::size_t up_count_ = 0;
  bool reported_ = false;  ///< the last state given to the handler
  std::function<void(bool)> handler_;
};

}  // namespace sse::redis
