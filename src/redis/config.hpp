#pragma once
// Where and how to reach Redis, and the timings of the connection's health and reconnect logic.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace sse::redis {

class link_report;

struct connection_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;     ///< ACL user (redis://user:password@...); empty: AUTH <password>
  std::string password;     ///< empty: no AUTH
  int db = 0;               ///< SELECT when not 0
  std::string client_name;  ///< CLIENT SETNAME when set (shows in CLIENT LIST)

  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{3000};  ///< default deadline of exec()
  std::chrono::milliseconds health_interval{1000};  ///< PING period while connected
  std::chrono::milliseconds health_timeout{2000};   ///< a PING slower than this drops the link
  /// A request (command or PING) outstanding longer than this marks the link not ready
  /// (connection::ready()) until a reply arrives: a paused or wedged server shows in /readyz
  /// within this bound, well before health_timeout drops the link. 0: off.
  std::chrono::milliseconds ready_timeout{1000};
  std::chrono::milliseconds backoff_min{50};    ///< first reconnect delay
  std::chrono::milliseconds backoff_max{2000};  ///< cap of the exponential backoff
  /// Check ROLE at every handshake and refuse (drop, back off, reconnect) anything but a master:
  /// a Sentinel-resolved address may point at a node that was demoted meanwhile.
  bool require_master = false;
  /// Shared by every connection made from this config (copies share it): where and why a
  /// connect or handshake failed (redis/link_report.hpp). Null: not reported.
  std::shared_ptr<link_report> report;
  /// The clock of the stall watch's deadlines (not owned; it must outlive every connection
  /// made from this config). Null: the process's steady clock.
  const core::monotonic_clock* clock = nullptr;
};

/// The pub/sub liveness probe: every `interval` a node publishes a token to a probe channel its own
/// subscription connection listens to; when it has not come back within `timeout` that connection
/// is dropped (not ready until it is back) and reconnected, which resubscribes and re-reads.
/// Catches a subscription that died while the TCP link (and PING) still works, e.g. behind a proxy
/// that reconnected to a new primary after a failover.
struct probe_config {
  std::chrono::milliseconds interval{0};  ///< 0: no probe
  std::chrono::milliseconds timeout{2000};
};

/// Parses `redis://[[user]:password@]host[:port][/db]` (port default 6379, db default 0).
/// errc::invalid_argument when malformed.
result<connection_config> parse_redis_url(std::string_view url);

}  // namespace sse::redis
