#pragma once
// The open-connections gauge, held for the life of a connection whatever its protocol.

#include "telemetry/metrics.hpp"

namespace sse::http {

struct connection_gauge {
  explicit connection_gauge(telemetry::metrics& m) : m_(m) {
    m_.http_connections_open.fetch_add(1, std::memory_order_relaxed);
  }
  ~connection_gauge() { m_.http_connections_open.fetch_sub(1, std::memory_order_relaxed); }
  connection_gauge(const connection_gauge&) = delete;
  connection_gauge& operator=(const connection_gauge&) = delete;
  telemetry::metrics& m_;
};

}  // namespace sse::http
