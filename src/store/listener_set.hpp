#pragma once
// Who watches which stream, and delivery to them: the one listener set both stores keep (the
// memory store delivers from the appending thread, the Redis store from its subscriber's).
//
// A set of (stream id, listener) pairs. An id has an entry while it has listeners, whether or
// not the stream exists: watchers may come before the stream and outlive its deletion and
// re-creation.
//
// Thread safety: every method may be called from any thread. Lock order: the caller's own locks
// (the memory store's stream lock) -> the set's map lock (held only to find or change entries,
// never while calling a listener) -> an id's entry lock (held while calling that id's
// listeners). So deliveries to one id never overlap, deliveries to different ids may, and once
// remove() returns no callback for the pair starts. Listeners must not call back into the set
// (store.hpp: callbacks only post).

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace sse::store {

class listener_set {
 public:
  /// Adds the pair; adding a pair that is already there has no effect.
  void add(const std::string& id, live_listener* listener);

  /// Removes the pair, waiting for a delivery in progress on id to finish. True when id has no
  /// listener left (also when the pair was not there), so the caller may stop its own delivery
  /// for id (the Redis store unsubscribes).
  bool remove(const std::string& id, live_listener* listener);

  /// True while id has at least one listener.
  bool watched(const std::string& id) const;

  /// Ids with at least one listener.
  std::size_t stream_count() const;

  /// (id, listener) pairs.
  std::size_t size() const;

  /// on_events(batch) on every listener of id. The batch is built once and shared by all.
  void deliver(const std::string& id, const std::shared_ptr<const stream::event_batch>& batch);

  /// on_stream_gone(id) on every listener of id.
  void deliver_gone(const std::string& id);

  /// on_resync(id) on every listener of every id (live delivery was interrupted and is back).
  void resync_all();

  /// Forgets every pair, waiting out deliveries in progress: nothing is called afterwards.
  void clear();

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
