#pragma once
// Content negotiation for the subscribe endpoint. Pure.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "stream/sse_compressor.hpp"

namespace sse::http {

/// True when an Accept header value admits text/event-stream: a media range of
/// text/event-stream, text/* or */* whose q is not 0. Browsers' EventSource sends
/// `text/event-stream`; curl sends `*/*`. (A missing header is handled by the caller: accepted.)
bool accepts_event_stream(std::string_view accept) noexcept;

/// The content coding to compress an SSE response with: of the codings the server
/// `offers` (its order of preference), the one the client's Accept-Encoding gives the highest q
/// (an exact name, else `*`; q=0 refuses; `x-gzip` is gzip), ties going to the server's order.
/// identity when none is acceptable, the header is absent, or `cache_control` says
/// `no-transform` (the client asked that no intermediary alter the body).
stream::content_coding choose_sse_coding(const std::optional<std::string>& accept_encoding,
                                         const std::optional<std::string>& cache_control,
                                         std::span<const stream::content_coding> offers) noexcept;

}  // namespace sse::http
