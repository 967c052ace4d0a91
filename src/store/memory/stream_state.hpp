#pragma once
// Inside the memory store (memory_store.cpp: lookups and lifetime; memory_store_ops.cpp: the
// operations): the state of one stream, how a call finds it locked, and how a change to its
// buffer is added to the store-wide totals. Not part of the store's interface.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/epoch.hpp"
#include "core/saturate.hpp"
#include "store/memory/memory_store.hpp"
#include "stream/priority_buffer.hpp"

namespace sse::store {
namespace memory_detail {

using std::chrono::milliseconds;

// How many recent append results a stream remembers for Producer-Seq retries. A producer
// retries its latest append; a few more cover retries that crossed a slow acknowledgement.
inline constexpr std::size_t remembered_appends = 16;

// A call that finds a stream, then finds it removed once it holds the stream's lock, looks it up
// again. Removal and expiry are rare, so a handful of attempts is plenty; the bound keeps a bug
// from spinning.
inline constexpr int max_lookup_attempts = 8;

inline std::int64_t to_ms(core::time_point t) {
  return core::to_unix_ms(t);
}

// When a stream with this ttl expires: clamped, so that a ttl past what a time_point holds
// means "far in the future" rather than wrapping to a time already past.
inline std::int64_t expiry_ms(core::time_point now, milliseconds ttl) {
  return to_ms(core::saturating_add(now, ttl));
}

}  // namespace memory_detail

struct memory_store::stream_state {
  stream_state(std::string id_in, std::size_t max_events, std::size_t max_bytes,
               std::chrono::milliseconds ttl_in, core::time_point now)
      : id(std::move(id_in)),
        epoch(core::make_epoch()),
        buffer(max_events, max_bytes),
        ttl(ttl_in),
        created_at(now),
        updated_at(now),
        expires_at_ms(memory_detail::expiry_ms(now, ttl_in)) {}

  std::mutex mu;
  const std::string id;
  const std::string epoch;
  stream::priority_buffer buffer;
  const std::chrono::milliseconds ttl;
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

namespace memory_detail {

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

}  // namespace memory_detail

template <class F>
auto memory_store::with_locked_stream(const std::string& id, F&& f) {
  using out = decltype(f(std::declval<stream_state&>()));
  for (int attempt = 0; attempt < memory_detail::max_lookup_attempts; ++attempt) {
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

}  // namespace sse::store
