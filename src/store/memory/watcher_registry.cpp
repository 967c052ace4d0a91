#include "store/memory/watcher_registry.hpp"

#include <algorithm>

namespace sse::store {

void watcher_registry::add(const std::string& id, live_listener* listener) {
  std::lock_guard lock(mu_);
  auto& e = entries_[id];
  if (!e) {
    e = std::make_shared<entry>();
  }
  std::lock_guard entry_lock(e->mu);
  if (std::find(e->listeners.begin(), e->listeners.end(), listener) == e->listeners.end()) {
    e->listeners.push_back(listener);
  }
}

void watcher_registry::remove(const std::string& id, live_listener* listener) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return;
  }
  // Our own reference: erasing the map's must not free the entry while its lock is held.
  const std::shared_ptr<entry> e = it->second;
  bool now_empty = false;
  {
    // Taking the entry lock waits out a delivery in progress. A publisher that found this entry
    // before we erase it still takes the entry lock and no longer sees the listener.
    std::lock_guard entry_lock(e->mu);
    auto& v = e->listeners;
    v.erase(std::remove(v.begin(), v.end(), listener), v.end());
    now_empty = v.empty();
  }
  if (now_empty) {
    entries_.erase(it);  // nobody can add meanwhile: add() needs mu_, which we hold
  }
}

std::shared_ptr<watcher_registry::entry> watcher_registry::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

void watcher_registry::publish(const std::string& id,
                               const std::shared_ptr<const stream::event_batch>& batch) {
  auto e = find(id);
  if (!e) {
    return;
  }
  std::lock_guard entry_lock(e->mu);
  for (live_listener* l : e->listeners) {
    l->on_events(batch);
  }
}

void watcher_registry::notify_gone(const std::string& id) {
  auto e = find(id);
  if (!e) {
    return;
  }
  std::lock_guard entry_lock(e->mu);
  for (live_listener* l : e->listeners) {
    l->on_stream_gone(id);
  }
}

std::size_t watcher_registry::size() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, e] : entries_) {
    std::lock_guard entry_lock(e->mu);
    n += e->listeners.size();
  }
  return n;
}

}  // namespace sse::store
