#include "store/redis/migrate_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>

#include "redis/config.hpp"
#include "store/redis/redis_store.hpp"

namespace sse::store {

namespace net = boost::asio;

int run_migrate_command(const migrate_command_options& options, std::FILE* out, std::FILE* err) {
  auto url = redis::parse_redis_url(options.url);
  if (!url) {
    // Not echoed: the URL may carry a password.
    std::fprintf(err, "sse-gateway migrate: malformed --store (expected redis://host:port)\n");
    return 2;
  }
  static const core::system_clock clock;
  net::io_context io(1);
  redis_store_options o;
  o.connection = *url;
  o.connection.client_name = "sse-gateway:migrate";
  o.prefix = options.prefix;
  o.compress_min_bytes = options.compress_min_bytes;
  auto store = std::make_unique<redis_store>(
      options.limits, o, std::vector<redis_store::executor_type>{io.get_executor()}, clock);
  store->start();

  int code = 1;
  const auto connect_deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  while (!store->available() && std::chrono::steady_clock::now() < connect_deadline) {
    io.run_for(std::chrono::milliseconds(20));
  }
  if (!store->available()) {
    std::fprintf(err, "sse-gateway migrate: Redis at %s:%u is not reachable\n",
                 o.connection.host.c_str(), static_cast<unsigned>(o.connection.port));
  } else {
    std::optional<result<redis_layout::migration_report>> outcome;
    net::co_spawn(io, store->migrate_all(options.batch),
                  [&](std::exception_ptr e, result<redis_layout::migration_report> r) {
                    if (e) {
                      r = errc::internal;
                    }
                    outcome.emplace(std::move(r));
                  });
    // Bounded by the keyspace: SCAN ends. Each call is bounded by the command timeout.
    while (!outcome) {
      io.run_one();
    }
    if (outcome->has_value()) {
      const auto& rep = outcome->value();
      std::fprintf(out,
                   "sse-gateway migrate: scanned %zu legacy buffers, migrated %zu, skipped %zu "
                   "(upgraded meanwhile), dropped %zu corrupt events\n",
                   rep.scanned, rep.migrated, rep.skipped, rep.corrupt_events);
      code = 0;
    } else {
      std::fprintf(err, "sse-gateway migrate: failed: %s (safe to run again)\n",
                   outcome->error().message().c_str());
    }
  }
  store->stop();
  store.reset();
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  return code;
}

}  // namespace sse::store
