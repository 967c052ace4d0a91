#pragma once
// Telemetry event names. Operators' runbooks and the chaos tests key on these exact strings:
// renaming one is a breaking change (README "Telemetry").

#include <array>
#include <string_view>

namespace sse::telemetry::names {

inline constexpr std::string_view stream_created = "SseStreamCreated";
/// Every subscribe carrying a resume point.
inline constexpr std::string_view resume_attempt = "SseResumeAttempt";
/// Fields: replayed count, missed seqs announced by gaps, latency to the first event written.
inline constexpr std::string_view resume_success = "SseResumeSuccess";
/// Field `reason`: unknown stream, expired, epoch reset, store error.
inline constexpr std::string_view resume_failure = "SseResumeFailure";
/// A resumed subscription that reached the end event.
inline constexpr std::string_view resume_live_end = "SseResumeLiveEnd";
/// Fields: seq, priority, size, reason.
inline constexpr std::string_view buffer_trimmed = "SseBufferTrimmed";
inline constexpr std::string_view stream_ended = "SseStreamEnded";
inline constexpr std::string_view stream_expired = "SseStreamExpired";
inline constexpr std::string_view client_disconnected = "SseClientDisconnected";
inline constexpr std::string_view slow_client_dropped = "SseSlowClientDropped";
inline constexpr std::string_view store_unavailable = "SseStoreUnavailable";
inline constexpr std::string_view store_recovered = "SseStoreRecovered";
/// A request refused by access control (401/403). Fields: reason, status, action; never the
/// token.
inline constexpr std::string_view auth_rejected = "SseAuthRejected";
/// A v1.10 buffer element the upgrade could not decode, kept aside in the quarantine key.
/// Fields: index, from_seq, to_seq (0, 0: unknown), bytes, quarantine.
inline constexpr std::string_view migration_unreadable = "SseMigrationUnreadable";

/// --access-log: one per request, when its response is written (an SSE subscription: when its
/// stream ends). Fields: method, path (token values redacted), status, bytes, duration_ms,
/// client, route (relay calls); `stream` when the request was about one.
inline constexpr std::string_view access = "SseAccess";

/// Every name above, for documentation checks and tests.
inline constexpr std::array<std::string_view, 15> all{
    stream_created,    resume_attempt,  resume_success, resume_failure,       resume_live_end,
    buffer_trimmed,    stream_ended,    stream_expired, client_disconnected,  slow_client_dropped,
    store_unavailable, store_recovered, auth_rejected,  migration_unreadable, access};

}  // namespace sse::telemetry::names
