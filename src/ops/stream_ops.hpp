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

// What the wrappers above report, for callers that reach the store another way (the Durable
// Streams door, which takes the store itself and reports through an observer).

/// Counts a new stream and emits SseStreamCreated.
void report_created(context& s, const std::string& id, const std::string& epoch);
/// What append_events reports for a stored (not duplicate) append of `count` events.
void report_appended(context& s, const std::string& id, std::size_t count,
                     const store::append_result& r);
/// What end_stream reports (nothing when the stream had ended already).
void report_ended(context& s, const std::string& id, store::stream_status status,
                  const store::end_result& r);

}  // namespace sse::ops
