#pragma once
// Store operations with their telemetry and metrics, shared by the v1 handlers, relay mode and
// the demo producer so all report the same events (SseStreamCreated, SseBufferTrimmed,
// SseStreamEnded).

#include <boost/asio/awaitable.hpp>
#include <string>

#include "ops/context.hpp"
#include "store/store.hpp"

namespace sse::ops {

/// store.create; emits SseStreamCreated and counts it when the stream is new.
boost::asio::awaitable<result<store::create_result>> create_stream(context& s, std::string id,
                                                                   store::stream_options options);

/// store.append; emits SseStreamCreated when the append created the stream and one
/// SseBufferTrimmed per evicted event (reason "buffer_limit"); counts appended and trimmed
/// events. An idempotent retry (duplicate) reports nothing.
boost::asio::awaitable<result<store::append_result>> append_events(context& s,
                                                                   store::append_request request);

/// store.end; emits SseStreamEnded (status, last_seq) the first time only.
boost::asio::awaitable<result<store::end_result>> end_stream(context& s, std::string id,
                                                             store::stream_status status);

}  // namespace sse::ops
