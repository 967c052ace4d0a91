#include "store/memory/memory_store.hpp"

#include <algorithm>
#include <utility>

#include "store/memory/stream_state.hpp"

namespace sse::store {
namespace {

using memory_detail::to_ms;

// Markers of expired streams kept for expired_epoch(): beyond this many an arbitrary one goes
// first, so a flood of short-lived streams cannot grow the map without bound.
constexpr std::size_t max_expired_markers = 100'000;

}  // namespace

memory_store::memory_store(store_limits limits, const core::clock& clock)
    : limits_(limits), clock_(clock) {}

memory_store::~memory_store() = default;

// ---- lookups and lifetime ----

bool memory_store::expired(const stream_state& s, core::time_point now) const noexcept {
  return to_ms(now) >= s.expires_at_ms.load(std::memory_order_relaxed);
}

memory_store::state_ptr memory_store::make_state(const std::string& id,
                                                 const stream_options& options) const {
  return std::make_shared<stream_state>(id, options.buffer_limit.value_or(limits_.buffer_limit),
                                        limits_.buffer_max_bytes, options.ttl.value_or(limits_.ttl),
                                        clock_.now());
}

memory_store::state_ptr memory_store::lookup(const std::string& id,
                                             const stream_options* create_options, bool* created) {
  const auto now = clock_.now();
  std::lock_guard lock(map_mu_);
  if (auto it = streams_.find(id); it != streams_.end()) {
    if (!expired(*it->second, now)) {
      return it->second;
    }
    retire_expired_locked(it->second);
  }
  if (create_options == nullptr) {
    return nullptr;
  }
  auto s = make_state(id, *create_options);
  streams_.emplace(id, s);
  stream_count_.fetch_add(1, std::memory_order_relaxed);
  if (created != nullptr) {
    *created = true;
  }
  return s;
}

void memory_store::forget_locked(const state_ptr& s) {
  s->dead = true;
  streams_.erase(s->id);
  stream_count_.fetch_sub(1, std::memory_order_relaxed);
  events_buffered_.fetch_sub(static_cast<std::int64_t>(s->buffer.size()),
                             std::memory_order_relaxed);
  bytes_buffered_.fetch_sub(static_cast<std::int64_t>(s->buffer.bytes()),
                            std::memory_order_relaxed);
  // Under the stream's lock: the gone notice follows every batch of this incarnation.
  watchers_.deliver_gone(s->id);
}

void memory_store::retire_expired_locked(state_ptr s) {
  std::lock_guard stream_lock(s->mu);
  expired_unreported_.push_back(expired_stream{s->id, s->epoch, s->ended.has_value()});
  if (!s->ended) {  // an ended stream had its end tombstone for the retention already
    if (expired_markers_.size() >= max_expired_markers && !expired_markers_.contains(s->id)) {
      expired_markers_.erase(expired_markers_.begin());  // bounded: that resume: unknown_stream
    }
    const auto retention_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(limits_.end_retention).count();
    expired_markers_[s->id] =
        expired_marker{s->epoch, s->expires_at_ms.load(std::memory_order_relaxed) + retention_ms};
  }
  forget_locked(s);
}

std::vector<expired_stream> memory_store::sweep_expired() {
  const auto now = clock_.now();
  std::lock_guard lock(map_mu_);
  std::vector<state_ptr> victims;
  for (const auto& [id, s] : streams_) {
    if (expired(*s, now)) {
      victims.push_back(s);
    }
  }
  for (const auto& s : victims) {
    retire_expired_locked(s);
  }
  std::erase_if(expired_markers_, [now_ms = to_ms(now)](const auto& entry) {
    return entry.second.until_ms <= now_ms;
  });
  return std::exchange(expired_unreported_, {});
}

boost::asio::awaitable<result<std::optional<std::string>>> memory_store::expired_epoch(
    std::string stream_id) {
  const auto now_ms = to_ms(clock_.now());
  std::optional<std::string> out;
  {
    std::lock_guard lock(map_mu_);
    if (auto it = expired_markers_.find(stream_id);
        it != expired_markers_.end() && it->second.until_ms > now_ms) {
      out = it->second.epoch;
    }
  }
  co_return out;
}

// ---- the Store interface: the work above, completed at once on the caller's executor ----

boost::asio::awaitable<result<create_result>> memory_store::create(std::string stream_id,
                                                                   stream_options options) {
  co_return create_now(stream_id, options);
}

boost::asio::awaitable<result<append_result>> memory_store::append(append_request request) {
  co_return append_now(request);
}

boost::asio::awaitable<result<end_result>> memory_store::end(std::string stream_id,
                                                             stream_status status) {
  co_return end_now(stream_id, status);
}

boost::asio::awaitable<result<stream_info>> memory_store::info(std::string stream_id) {
  co_return info_now(stream_id);
}

boost::asio::awaitable<result<void>> memory_store::renew(std::string stream_id) {
  co_return renew_now(stream_id);
}

boost::asio::awaitable<result<void>> memory_store::remove(std::string stream_id) {
  co_return remove_now(stream_id);
}

boost::asio::awaitable<result<read_result>> memory_store::read_after(std::string stream_id,
                                                                     seq_t after) {
  co_return read_after_now(stream_id, after);
}

boost::asio::awaitable<result<void>> memory_store::watch(std::string stream_id,
                                                         live_listener* listener) {
  // Registered synchronously: every append that takes the stream's lock after this returns
  // delivers to the listener, so a read_after issued next overlaps the live batches.
  watchers_.add(stream_id, listener);
  co_return result<void>{};
}

void memory_store::unwatch(const std::string& stream_id, live_listener* listener) {
  watchers_.remove(stream_id, listener);
}

}  // namespace sse::store
