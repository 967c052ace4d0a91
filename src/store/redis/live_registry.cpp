#include "store/redis/live_registry.hpp"

#include <algorithm>

namespace sse::store::redis_layout {

void live_registry::add(const std::string& stream_id, live_listener* l) {
  std::lock_guard lock(mu_);
  listeners_[stream_id].push_back(l);
}

bool live_registry::remove(const std::string& stream_id, live_listener* l) {
  std::lock_guard lock(mu_);
  auto it = listeners_.find(stream_id);
  if (it == listeners_.end()) {
    return true;
  }
  auto& v = it->second;
  if (auto pos = std::find(v.begin(), v.end(), l); pos != v.end()) {
    v.erase(pos);
  }
  if (v.empty()) {
    listeners_.erase(it);
    return true;
  }
  return false;
}

bool live_registry::watched(const std::string& stream_id) const {
  std::lock_guard lock(mu_);
  return listeners_.count(stream_id) != 0;
}

std::size_t live_registry::stream_count() const {
  std::lock_guard lock(mu_);
  return listeners_.size();
}

void live_registry::deliver(const std::string& stream_id,
                            const std::shared_ptr<const stream::event_batch>& b) {
  std::lock_guard lock(mu_);
  if (auto it = listeners_.find(stream_id); it != listeners_.end()) {
    for (live_listener* l : it->second) {
      l->on_events(b);
    }
  }
}

void live_registry::deliver_gone(const std::string& stream_id) {
  std::lock_guard lock(mu_);
  if (auto it = listeners_.find(stream_id); it != listeners_.end()) {
    for (live_listener* l : it->second) {
      l->on_stream_gone(stream_id);
    }
  }
}

void live_registry::resync_all() {
  std::lock_guard lock(mu_);
  for (const auto& [id, ls] : listeners_) {
    for (live_listener* l : ls) {
      l->on_resync(id);
    }
  }
}

void live_registry::clear() {
  std::lock_guard lock(mu_);
  listeners_.clear();
}

}  // namespace sse::store::redis_layout
