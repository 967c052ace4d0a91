#include "store/memory/memory_store.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/epoch.hpp"
#include "core/saturate.hpp"
#include "store/request_checks.hpp"
#include "stream/priority_buffer.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store {
namespace {

using std::chrono::milliseconds;

// How many recent append results a stream remembers for Producer-Seq retries. A producer
// retries its latest append; a few more cover retries that crossed a slow acknowledgement.
constexpr std::size_t remembered_appends = 16;

// A call that finds a stream, then finds it removed once it holds the stream's lock, looks it up
// again. Removal and expiry are rare, so a handful of attempts is plenty; the bound keeps a bug
// from spinning.
constexpr int max_lookup_attempts = 8;
// Markers of expired streams kept for expired_epoch(): beyond this many an arbitrary one goes
// first, so a flood of short-lived streams cannot grow the map without bound.
constexpr std::size_t max_expired_markers = 100'000;

std::int64_t to_ms(core::time_point t) {
  return core::to_unix_ms(t);
}

// When a stream with this ttl expires: clamped, so that a ttl past what a time_point holds
// means "far in the future" rather than wrapping to a time already past.
std::int64_t expiry_ms(core::time_point now, milliseconds ttl) {
  return to_ms(core::saturating_add(now, ttl));
}

}  // namespace

struct memory_store::stream_state {
  stream_state(std::string id_in, std::size_t max_events, std::size_t max_bytes,
               milliseconds ttl_in, core::time_point now)
      : id(std::move(id_in)),
        epoch(core::make_epoch()),
        buffer(max_events, max_bytes),
        ttl(ttl_in),
        created_at(now),
        updated_at(now),
        expires_at_ms(expiry_ms(now, ttl_in)) {}

  std::mutex mu;
  const std::string id;
  const std::string epoch;
  stream::priority_buffer buffer;
  const milliseconds ttl;
  const core::time_point created_at;
  core::time_point updated_at;
  // Atomic so that lookups under the map lock can test expiry without the stream's lock.
  std::atomic<std::int64_t> expires_at_ms;
  seq_t last_seq = 0;
  std::uint64_t trimmed = 0;
  stream_status status = stream_status::open;
  std::optional<end_result> ended;  // the first end's answer, once ended
  // The last remembered_appends appends (seq range and how many events each trimmed: a retry
  // answers exactly what the original did; the rest of the answer is the stream's epoch), as a
  // ring: recent_next is the slot the next one overwrites once it is full. A vector of small
  // records, not a deque of append_result: a deque costs a 512-byte block per stream from its
  // first append on.
  struct remembered_append {
    seq_t first = 0;
    seq_t last = 0;
    std::uint64_t trimmed = 0;
  };
  std::vector<remembered_append> recent;
  std::size_t recent_next = 0;
  bool dead = false;  // removed or expired: look the id up again
};

namespace {

// Applies a stream's change in buffered count and bytes to the store-wide totals.
class buffer_accounting {
 public:
  buffer_accounting(const stream::priority_buffer& b, std::atomic<std::int64_t>& events,
                    std::atomic<std::int64_t>& bytes)
      : b_(b),
        events_(events),
        bytes_(bytes),
        count0_(static_cast<std::int64_t>(b.size())),
        bytes0_(static_cast<std::int64_t>(b.bytes())) {}
  ~buffer_accounting() {
    events_.fetch_add(static_cast<std::int64_t>(b_.size()) - count0_, std::memory_order_relaxed);
    bytes_.fetch_add(static_cast<std::int64_t>(b_.bytes()) - bytes0_, std::memory_order_relaxed);
  }
  buffer_accounting(const buffer_accounting&) = delete;
  buffer_accounting& operator=(const buffer_accounting&) = delete;

 private:
  const stream::priority_buffer& b_;
  std::atomic<std::int64_t>& events_;
  std::atomic<std::int64_t>& bytes_;
  std::int64_t count0_;
  std::int64_t bytes0_;
};

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

template <class F>
auto memory_store::with_locked_stream(const std::string& id, F&& f) {
  using out = decltype(f(std::declval<stream_state&>()));
  for (int attempt = 0; attempt < max_lookup_attempts; ++attempt) {
    auto s = lookup(id);
    if (!s) {
      return out(errc::stream_not_found);
    }
    std::lock_guard lock(s->mu);
    if (!s->dead) {
      return f(*s);
    }
  }
  return out(errc::internal);
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

// ---- operations ----

result<create_result> memory_store::create_now(const std::string& stream_id,
                                               const stream_options& options) {
  bool created = false;
  auto s = lookup(stream_id, &options, &created);
  std::lock_guard lock(s->mu);
  return create_result{s->epoch, created, s->buffer.max_events(), s->ttl};
}

result<append_result> memory_store::append_now(const append_request& request) {
  if (auto ok = check_append(request); !ok) {
    return ok.error();
  }
  const std::size_t n = request.events.size();
  // A Producer-Seq other than 1 can only match an existing stream: never create for it.
  const bool may_create = !request.producer_seq || *request.producer_seq == 1;

  for (int attempt = 0; attempt < max_lookup_attempts; ++attempt) {
    bool created = false;
    auto s = lookup(request.stream_id, may_create ? &request.create_options : nullptr, &created);
    if (!s) {
      return errc::producer_seq_conflict;
    }
    std::lock_guard lock(s->mu);
    if (s->dead) {
      continue;
    }

    if (request.producer_seq && *request.producer_seq != s->last_seq + 1) {
      const seq_t ps = *request.producer_seq;
      for (const auto& [first, last, trimmed] : s->recent) {
        if (first == ps && last - first + 1 == n) {
          append_result dup;
          dup.epoch = s->epoch;
          dup.first_seq = first;
          dup.last_seq = last;
          dup.trimmed = trimmed;
          dup.duplicate = true;
          return dup;
        }
      }
      return s->ended ? errc::stream_ended : errc::producer_seq_conflict;
    }
    if (s->ended) {
      return errc::stream_ended;
    }

    const auto now = clock_.now();
    buffer_accounting accounting(s->buffer, events_buffered_, bytes_buffered_);
    auto batch = std::make_shared<stream::event_batch>();
    batch->stream_id = s->id;
    batch->epoch = s->epoch;
    batch->events.reserve(n);

    append_result r;
    r.epoch = s->epoch;
    r.first_seq = s->last_seq + 1;
    r.created = created;
    // The whole batch goes in before trimming: "when an append makes the buffer exceed its
    // limits, evict ... until it fits" is decided once per append, as the Redis script does.
    for (const auto& e : request.events) {
      auto stored = stream::make_stored_event(s->epoch, ++s->last_seq, e);
      batch->events.push_back(stored);
      s->buffer.insert(std::move(stored));
    }
    s->buffer.trim(r.evicted);
    r.trimmed = r.evicted.size();
    r.last_seq = s->last_seq;
    s->trimmed += r.evicted.size();
    s->updated_at = now;
    s->expires_at_ms.store(expiry_ms(now, s->ttl), std::memory_order_relaxed);

    if (s->recent.size() < remembered_appends) {
      s->recent.push_back({r.first_seq, r.last_seq, r.trimmed});
    } else {
      s->recent[s->recent_next] = {r.first_seq, r.last_seq, r.trimmed};
      s->recent_next = (s->recent_next + 1) % remembered_appends;
    }
    // Still under the stream's lock: listeners get this stream's batches in seq order.
    watchers_.deliver(s->id, batch);
    return r;
  }
  return errc::internal;
}

result<end_result> memory_store::end_now(const std::string& stream_id, stream_status status) {
  if (auto ok = check_end(status); !ok) {
    return ok.error();
  }
  return with_locked_stream(stream_id, [&](stream_state& s) -> result<end_result> {
    if (s.ended) {
      end_result again = *s.ended;
      again.already_ended = true;
      return again;
    }
    const auto now = clock_.now();
    buffer_accounting accounting(s.buffer, events_buffered_, bytes_buffered_);
    stream::new_event e{"end", stream::end_event_data(to_string(status)), max_priority};
    auto stored = stream::make_stored_event(s.epoch, ++s.last_seq, e, true);
    auto batch = std::make_shared<stream::event_batch>();
    batch->stream_id = s.id;
    batch->epoch = s.epoch;
    batch->events.push_back(stored);
    // The end event is added without trimming: ending a stream never costs it an event, so a
    // full buffer holds one event over its limit once ended (and nothing can be appended).
    s.buffer.insert(std::move(stored));
    s.status = status;
    s.ended = end_result{s.epoch, s.last_seq, false};
    s.updated_at = now;
    s.expires_at_ms.store(expiry_ms(now, limits_.end_retention), std::memory_order_relaxed);
    watchers_.deliver(s.id, batch);
    return *s.ended;
  });
}

result<stream_info> memory_store::info_now(const std::string& stream_id) {
  return with_locked_stream(stream_id, [&](const stream_state& s) -> result<stream_info> {
    const auto now_ms = to_ms(clock_.now());
    stream_info i;
    i.epoch = s.epoch;
    i.status = s.status;
    i.last_seq = s.last_seq;
    i.first_seq = s.buffer.first_seq();
    i.buffered_count = s.buffer.size();
    i.buffered_bytes = s.buffer.bytes();
    i.trimmed_count = s.trimmed;
    i.buffer_limit = s.buffer.max_events();
    i.buffer_max_bytes = s.buffer.max_bytes();
    i.created_at = s.created_at;
    i.updated_at = s.updated_at;
    i.expires_in = milliseconds(std::max<std::int64_t>(0, s.expires_at_ms.load() - now_ms));
    return i;
  });
}

result<void> memory_store::remove_now(const std::string& stream_id) {
  const auto now = clock_.now();
  std::lock_guard lock(map_mu_);
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    return errc::stream_not_found;
  }
  auto s = it->second;
  if (expired(*s, now)) {
    retire_expired_locked(s);
    return errc::stream_not_found;
  }
  std::lock_guard stream_lock(s->mu);
  forget_locked(s);
  return {};
}

result<read_result> memory_store::read_after_now(const std::string& stream_id, seq_t after) {
  return with_locked_stream(stream_id, [&](const stream_state& s) -> result<read_result> {
    read_result r;
    r.epoch = s.epoch;
    r.last_seq = s.last_seq;
    r.ended = s.ended.has_value();
    r.checkpoint_seq = s.buffer.checkpoint_seq();
    r.events = s.buffer.copy_after(after);
    return r;
  });
}

store_stats memory_store::stats() const noexcept {
  return store_stats{stream_count_.load(std::memory_order_relaxed),
                     events_buffered_.load(std::memory_order_relaxed),
                     bytes_buffered_.load(std::memory_order_relaxed),
                     std::nullopt};  // no probe: nothing to lose between nodes
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
