#pragma once
// Relay auto-checkpoints: a route may ask the gateway to write checkpoints itself.
// The checkpointer accumulates the text found at a JSON pointer in each upstream event's data
// (an OpenAI-style delta: "/choices/0/delta/content") and says when a checkpoint is due: every
// `every_events` upstream events or `every_bytes` bytes of their data since the last one, and at
// the end. The checkpoint event holds {"text": all text so far, "through_seq": n}, n being the
// seq of the last upstream event it covers. Pure: no I/O, one per upstream call (one coroutine).

#include <cstddef>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::relay {

/// The route's `"checkpoint"` object (route.hpp validates it).
struct checkpoint_options {
  std::string text_pointer;        ///< RFC 6901 JSON pointer into each event's data
  std::size_t every_events = 0;    ///< 0: not by count
  std::size_t every_bytes = 0;     ///< 0: not by size
  std::string event = "snapshot";  ///< the checkpoint events' type
};

class checkpointer {
 public:
  explicit checkpointer(const checkpoint_options& o) : o_(o) {}

  /// An upstream event about to be appended: adds the string at the pointer in `data` (JSON) to
  /// the text. Data that is not JSON, or holds no string there, adds nothing but still counts.
  void add(std::string_view data);
  /// A threshold was reached since the last checkpoint.
  bool due() const noexcept;
  /// Events were added since the last checkpoint (the end writes a last one then).
  bool pending() const noexcept { return events_since_ > 0; }
  /// The checkpoint event for everything added so far, the last of it being seq `through_seq`;
  /// restarts the counts. Priority max: a checkpoint is the last thing a joiner should lose.
  stream::new_event take(seq_t through_seq);

  const std::string& text() const noexcept { return text_; }

 private:
  const checkpoint_options& o_;
  std::string text_;
  std::size_t events_since_ = 0;
  std::size_t bytes_since_ = 0;
};

}  // namespace sse::relay
