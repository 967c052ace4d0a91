// The operations of the memory store, done at once under the stream's lock; memory_store.cpp
// wraps them in the Store interface's awaitables.
#include <algorithm>
#include <optional>
#include <utility>

#include "store/memory/memory_store.hpp"
#include "store/memory/stream_state.hpp"
#include "store/request_checks.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store {

using memory_detail::buffer_accounting;
using memory_detail::expiry_ms;
using memory_detail::max_lookup_attempts;
using memory_detail::remembered_appends;
using memory_detail::to_ms;
using std::chrono::milliseconds;

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

result<void> memory_store::renew_now(const std::string& stream_id) {
  return with_locked_stream(stream_id, [&](stream_state& s) -> result<void> {
    if (!s.ended) {
      s.expires_at_ms.store(expiry_ms(clock_.now(), s.ttl), std::memory_order_relaxed);
    }
    return {};
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

}  // namespace sse::store
