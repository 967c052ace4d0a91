#pragma once
#include <string_view>

namespace sse::core {

inline constexpr std::size_t max_stream_id_length = 128;

/// True when id is 1-128 characters of [A-Za-z0-9._:-] (API v1).
bool is_valid_stream_id(std::string_view id) noexcept;

/// True when type is 1-64 characters of [A-Za-z0-9_.:-] (API v1 event types).
bool is_valid_event_type(std::string_view type) noexcept;

}  // namespace sse::core
