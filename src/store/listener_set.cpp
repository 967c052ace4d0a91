#include "store/listener_set.hpp"

#include <algorithm>
#include <utility>

namespace sse::store {

void listener_set::add(const std::string& id, live_listener* listener) {
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

bool listener_set::remove(const std::string& id, live_listener* listener) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    return true;
  }
  // Our own reference: erasing the map's must not free the entry while its lock is held.
  const std::shared_ptr<entry> e = it->second;
  bool now_empty = false;
  {
    // Taking the entry lock waits out a delivery in progress. A deliverer that found this entry
    // before we erase it still takes the entry lock and no longer sees the listener.
    std::lock_guard entry_lock(e->mu);
    auto& v = e->listeners;
    v.erase(std::remove(v.begin(), v.end(), listener), v.end());
    now_empty = v.empty();
  }
  if (now_empty) {
    entries_.erase(it);  // nobody can add meanwhile: add() needs mu_, which we hold
  }
  return now_empty;
}

bool listener_set::watched(const std::string& id) const {
  std::lock_guard lock(mu_);
  return entries_.contains(id);  // entries are erased as their last listener leaves
}

std::size_t listener_set::stream_count() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

std::size_t listener_set::size() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [id, e] : entries_) {
    std::lock_guard entry_lock(e->mu);
    n += e->listeners.size();
  }
  return n;
}

std::shared_ptr<listener_set::entry> listener_set::find(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

void listener_set::deliver(const std::string& id,
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

void listener_set::deliver_gone(const std::string& id) {
  auto e = find(id);
  if (!e) {
    return;
  }
  std::lock_guard entry_lock(e->mu);
  for (live_listener* l : e->listeners) {
    l->on_stream_gone(id);
  }
}

void listener_set::resync_all() {
  // A snapshot, so that no listener is called under the map lock. A pair removed meanwhile is
  // skipped (its entry no longer holds it); one added meanwhile may or may not be told, as with
  // any add racing the resync: a resync only makes the listener re-read, which is always safe.
  std::vector<std::pair<std::string, std::shared_ptr<entry>>> all;
  {
    std::lock_guard lock(mu_);
    all.assign(entries_.begin(), entries_.end());
  }
  for (const auto& [id, e] : all) {
    std::lock_guard entry_lock(e->mu);
    for (live_listener* l : e->listeners) {
      l->on_resync(id);
    }
  }
}

void listener_set::clear() {
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : entries_) {
    // Emptied under its lock, not only dropped from the map: a deliverer that found the entry
    // before this keeps it alive and must find nobody to call.
    std::lock_guard entry_lock(e->mu);
    e->listeners.clear();
  }
  entries_.clear();
}

}  // namespace sse::store
