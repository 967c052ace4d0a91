#pragma once
// Telemetry event names of relay mode. Fields never hold injected header values.

#include <string_view>

namespace sse::relay::names {

/// Fields: route, upstream_host.
inline constexpr std::string_view started = "SseRelayStarted";
/// Fields: route, reason, upstream_status, ttfb_ms (when a head arrived), duration_ms. Reason
/// `gateway_shutdown` when SIGTERM ended the call. Reason `upstream_lost` from the node that
/// ended the stream of a call whose node died (lease expired): then only reason,
/// upstream_status 0 and local false.
inline constexpr std::string_view upstream_error = "SseRelayUpstreamError";
/// Fields: route, ttfb_ms, duration_ms, events.
inline constexpr std::string_view completed = "SseRelayCompleted";
/// Fields: route, duration_ms, local (this node ran the upstream call).
inline constexpr std::string_view cancelled = "SseRelayCancelled";

}  // namespace sse::relay::names
