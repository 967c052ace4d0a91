#pragma once
// Which local listeners watch which stream, and delivery to them. Shared (shared_ptr) between
// the store and the subscriber's message handler, which may outlive the store briefly.
//
// Callbacks run under this registry's lock, which is what makes unwatch() final: once remove()
// returned, no callback for that listener starts. Listeners must not call back into the store
// synchronously (store.hpp says so).

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace sse::store::redis_layout {

class live_registry {
 public:
  void add(const std::string& stream_id, live_listener* l);
  /// Returns true when the stream has no listener left.
  bool remove(const std::string& stream_id, live_listener* l);
  bool watched(const std::string& stream_id) const;
  std::size_t stream_count() const;

  /// Delivers the batch (decoded once per node, shared by every listener) to the stream's
  /// listeners.
  void deliver(const std::string& stream_id, const std::shared_ptr<const stream::event_batch>& b);
  void deliver_gone(const std::string& stream_id);
  /// Tells every listener of every stream to re-read (the subscription was re-established).
  void resync_all();
  /// Forgets every listener (the store is going away).
  void clear();

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<live_listener*>> listeners_;
};

}  // namespace sse::store::redis_layout
