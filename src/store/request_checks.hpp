#pragma once
// The checks every store makes on a request before touching its stream, written once so that
// both stores refuse the same requests with the same error. http validates requests from
// clients earlier, with messages; these guard the store's own contract against any caller.

#include "core/error.hpp"
#include "store/store.hpp"

namespace sse::store {

/// invalid_argument: no events; invalid_event: a priority outside min_priority..max_priority.
result<void> check_append(const append_request& request) noexcept;

/// invalid_argument: `open` is not a way to end a stream.
result<void> check_end(stream_status status) noexcept;

}  // namespace sse::store
