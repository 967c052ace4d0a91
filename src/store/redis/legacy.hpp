#pragma once
// The v1.10 layout, read once per stream to upgrade it: `{prefix}buffer:{id}` was a list, oldest
// first, of zstd-compressed JSON events {"seq":n,"event":"type","priority":p,"data":"..."}, with no
// meta key; the state hash had epoch, status, last_seq, created_ms, updated_ms, buffer_limit,
// ttl_ms and trimmed.

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/types.hpp"

namespace sse::store::redis_layout {

struct legacy_event {
  seq_t seq = 0;
  std::string type;  ///< "event"; "end" for the end event of an ended stream
  int priority = default_priority;
  std::string data;
};

/// Decodes one list element. errc::internal when it is not zstd, not JSON, or lacks seq/data.
result<legacy_event> decode_legacy_event(std::string_view element);

/// The JSON text of an event as v1.10 wrote it, before compression.
std::string legacy_event_json(const legacy_event& e);

/// Encodes an event as v1.10 wrote it (test fixtures write legacy streams with this).
std::string encode_legacy_event(const legacy_event& e);

}  // namespace sse::store::redis_layout
