#pragma once
// Where and how to reach Redis, and the timings of the connection's health and reconnect logic.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::redis {

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
  std::chrono::milliseconds backoff_min{50};        ///< first reconnect delay
  std::chrono::milliseconds backoff_max{2000};      ///< cap of the exponential backoff
};

/// Parses `redis://[[user]:password@]host[:port][/db]` (port default 6379, db default 0).
/// errc::invalid_argument when malformed.
result<connection_config> parse_redis_url(std::string_view url);

}  // namespace sse::redis
