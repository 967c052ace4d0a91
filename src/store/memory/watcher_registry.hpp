#pragma once
// Who watches which stream id, for the memory store's live delivery. Entries exist per id while
// it has listeners, whether or not the stream exists: watchers may come before the stream and
// survive its deletion and re-creation.
//
// Lock order: the caller's stream lock -> registry map lock (held only to find an entry, never
// while calling out) -> entry lock (held while calling listeners). Listener callbacks only post,
// so they never come back into the registry.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace sse::store {

class watcher_registry {
 public:
  /// Adds listener for id; adding the same pair twice has no effect.
  void add(const std::string& id, live_listener* listener);

  /// Removes the pair. Waits for a delivery in progress on id to finish, so that once this
  /// returns no callback for the pair starts.
  void remove(const std::string& id, live_listener* listener);

  /// Calls on_events on every listener of id. Callers hold the stream's lock, which is what
  /// orders batches per stream.
  void publish(const std::string& id, const std::shared_ptr<const stream::event_batch>& batch);

  /// Calls on_stream_gone on every listener of id (same ordering rule as publish).
  void notify_gone(const std::string& id);

  /// Number of (id, listener) pairs; for tests.
  std::size_t size() const;

 private:
  struct entry {
    std::mutex mu;
    std::vector<live_listener*> listeners;
  };

  std::shared_ptr<entry> find(const std::string& id) const;

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<entry>> entries_;
};

}  // namespace sse::store
