#include "redis_fixture.hpp"

#include <stdexcept>

namespace sse::store::redis_test {

test::redis_server& shared_redis() {
  static test::redis_server server;
  return server;
}

redis::connection_config test_connection(const test::redis_server& server) {
  redis::connection_config c;
  c.host = server.host();
  c.port = server.port();
  c.connect_timeout = 1s;
  c.command_timeout = 2s;
  c.health_interval = 200ms;
  c.health_timeout = 600ms;
  c.backoff_min = 20ms;
  c.backoff_max = 200ms;
  return c;
}

redis_store_options test_options(const test::redis_server& server) {
  redis_store_options o;
  o.connection = test_connection(server);
  return o;
}

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

std::unique_ptr<redis_store> make_started_store(boost::asio::io_context& io,
                                                const store_limits& limits,
                                                redis_store_options options) {
  auto s = std::make_unique<redis_store>(limits, std::move(options),
                                         std::vector<redis_store::executor_type>{io.get_executor()},
                                         test_clock());
  s->start();
  if (!run_until(io, [&] { return s->available(); })) {
    throw std::runtime_error("redis store did not become available");
  }
  return s;
}

}  // namespace sse::store::redis_test
