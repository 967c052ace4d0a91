#pragma once
// systemd's readiness protocol for `Type=notify` (packaging/sse-gateway.service): READY=1 once
// the gateway really serves, STOPPING=1 when it begins to shut down, STATUS= lines for
// `systemctl status`. Each call is a no-op when NOTIFY_SOCKET is unset (not run by systemd) or
// when the build found no libsystemd (CMake: SSE_WITH_SYSTEMD, pkg-config libsystemd).

#include <boost/asio/any_io_executor.hpp>
#include <functional>

namespace sse::app {

/// Sends `STOPPING=1`: systemd then waits for the exit, up to TimeoutStopSec. Any thread.
void notify_stopping();

/// Spawns on `ex` a watch that sends `READY=1` (with a STATUS line) the first time `ready()`
/// is true, checking every 50 ms, and `STATUS=waiting for the store` while it is not; then it
/// ends. It also ends, silently, when `ex`'s context stops. `ready` runs on `ex`. Logs a
/// warning when NOTIFY_SOCKET is set but the build cannot notify (systemd would time out).
void notify_ready_when(boost::asio::any_io_executor ex, std::function<bool()> ready);

}  // namespace sse::app
