#pragma once
// Content negotiation for the subscribe endpoint. Pure.

#include <string_view>

namespace sse::http {

/// True when an Accept header value admits text/event-stream: a media range of
/// text/event-stream, text/* or */* whose q is not 0. Browsers' EventSource sends
/// `text/event-stream`; curl sends `*/*`. (A missing header is handled by the caller: accepted.)
bool accepts_event_stream(std::string_view accept) noexcept;

}  // namespace sse::http
