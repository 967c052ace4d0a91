#pragma once
// systemd's readiness protocol for `Type=notify` (packaging/sse-gateway.service): READY=1 once
// the gateway really serves, STOPPING=1 when it begins to shut down, STATUS= lines for
// `systemctl status`. Each call is a no-op when NOTIFY_SOCKET is unset (not run by systemd) or
// when the build found no libsystemd (CMake: SSE_WITH_SYSTEMD, pkg-config libsystemd).

namespace sse::app {

class gateway;

/// Sends `STOPPING=1`: systemd then waits for the exit, up to TimeoutStopSec. Any thread.
void notify_stopping();

/// After g.start(): sends `READY=1` (with a STATUS line) the first time g is ready(), and
/// `STATUS=waiting for the store` first while it is not (gateway::when_ready: a watch in g's
/// task group, woken by the store's availability reports, that ends silently at g's
/// shutdown). Logs a warning when NOTIFY_SOCKET is set but the build cannot notify (systemd
/// would time out).
void notify_ready_when(gateway& g);

}  // namespace sse::app
