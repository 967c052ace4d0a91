#pragma once
// The event model shared by the buffer, the stores and the HTTP layer. Pure data, no I/O.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace sse::stream {

/// An event as a producer submits it (already validated by the HTTP layer).
struct new_event {
  std::string type;  ///< empty: no `event:` line
  std::string data;  ///< any UTF-8, may contain newlines
  int priority = default_priority;
  /// Holds the stream's complete state as of its seq: it supersedes
  /// every earlier event, so subscribes start here and trims evict the older events first.
  bool checkpoint = false;
};

/// Counted for every event on top of its data and type: what an event costs a store beyond its
/// payload (seq, priority, index entries). Without it, empty events would be free and a stream
/// could hold any number of them within buffer_max_bytes.
inline constexpr std::size_t event_overhead_bytes = 64;

/// What counts against buffer_max_bytes (and a batch against max_body_bytes) for one event: its
/// data plus its type plus event_overhead_bytes. Every store uses this so that trimming
/// decisions agree across stores.
inline std::size_t event_size_bytes(std::size_t type_bytes, std::size_t data_bytes) noexcept {
  return type_bytes + data_bytes + event_overhead_bytes;
}

/// An event held by a store. `frame` is the event already encoded as SSE bytes
/// (`id: <epoch>:<seq>` ... blank line), built once and shared by every subscriber.
struct stored_event {
  seq_t seq = 0;
  int priority = default_priority;
  bool is_end = false;           ///< the stream's final `end` event; never trimmed
  bool is_checkpoint = false;    ///< new_event::checkpoint (the memory store's buffer reads it)
  std::uint32_t size_bytes = 0;  ///< event_size_bytes(type, data)
  std::shared_ptr<const std::string> frame;
};

/// Metadata of an event evicted from a buffer, for `SseBufferTrimmed` and the `trimmed` count.
struct trimmed_event {
  seq_t seq = 0;
  int priority = default_priority;
  std::uint32_t size_bytes = 0;
  /// Evicted because a later checkpoint supersedes it (reason `superseded`), not by priority.
  bool superseded = false;
};

/// Seqs [from, to], both included.
struct seq_range {
  seq_t from = 0;
  seq_t to = 0;
  friend bool operator==(const seq_range&, const seq_range&) = default;
};

/// Events appended to one stream in one append, in seq order, as live subscribers receive them.
/// Immutable once published: shared between workers by shared_ptr<const event_batch>.
struct event_batch {
  std::string stream_id;
  std::string epoch;
  std::vector<stored_event> events;
};

}  // namespace sse::stream
