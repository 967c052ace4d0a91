#include "store/redis/migrate_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>

#include "redis/cluster/cluster_url.hpp"
#include "redis/config.hpp"
#include "redis/sentinel/sentinel_url.hpp"
#include "store/redis/redis_store.hpp"

namespace sse::store {

namespace net = boost::asio;

int run_migrate_command(const migrate_command_options& options, std::FILE* out, std::FILE* err) {
  redis_store_options o;
  std::string where;
  if (options.url.starts_with("redis-cluster://")) {
    // Every master is SCANned and each stream upgraded on its slot's master.
    auto url = redis::cluster::parse_cluster_url(options.url);
    if (!url) {
      std::fprintf(err,
                   "sse-gateway migrate: malformed --store (expected "
                   "redis-cluster://host:port[,host:port...])\n");
      return 2;
    }
    o.connection = url->connection;
    o.cluster_seeds = url->seeds;
    where = "the Redis Cluster at " + url->seeds.front().to_string();
  } else if (options.url.starts_with("redis-sentinel://")) {
    auto url = redis::sentinel::parse_sentinel_url(options.url);
    if (!url) {
      std::fprintf(err,
                   "sse-gateway migrate: malformed --store (expected "
                   "redis-sentinel://host:port[,host:port...]/master-name)\n");
      return 2;
    }
    o.connection = url->connection;
    o.sentinels = url->sentinels;
    o.sentinel_master = url->master_name;
    where = "the primary of " + url->master_name;
  } else {
    auto url = redis::parse_redis_url(options.url);
    if (!url) {
      // Not echoed: the URL may carry a password.
      std::fprintf(err, "sse-gateway migrate: malformed --store (expected redis://host:port)\n");
      return 2;
    }
    o.connection = *url;
    where = "Redis at " + url->host + ":" + std::to_string(url->port);
  }
  static const core::system_clock clock;
  net::io_context io(1);
  o.connection.client_name = "sse-gateway:migrate";
  o.prefix = options.prefix;
  o.compress_min_bytes = options.compress_min_bytes;
  auto store = std::make_unique<redis_store>(
      options.limits, o, std::vector<redis_store::executor_type>{io.get_executor()}, clock);
  // Woken by the store's own report that every connection is up, not by polling: the handler
  // (on this thread, inside run_for) stops the context. Real time: the sockets are real.
  store->set_availability_handler([&io](bool up) {
    if (up) {
      io.stop();
    }
  });
  store->start();

  int code = 1;
  if (!store->available()) {
    io.run_for(options.connect_timeout);
  }
  store->set_availability_handler(nullptr);
  io.restart();
  if (!store->available()) {
    std::fprintf(err, "sse-gateway migrate: %s is not reachable\n", where.c_str());
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
      for (const auto& k : rep.kept_aside) {
        const std::string key = redis_layout::make_keys(options.prefix, k.stream_id).quarantine;
        std::fprintf(out,
                     "sse-gateway migrate: stream %s: kept %zu unreadable events aside in %s "
                     "(resumes announce them as gap reason unreadable)\n",
                     k.stream_id.c_str(), k.events, key.c_str());
      }
      std::fprintf(out,
                   "sse-gateway migrate: scanned %zu legacy buffers, migrated %zu, skipped %zu "
                   "(upgraded meanwhile), kept %zu unreadable events aside in %zu streams\n",
                   rep.scanned, rep.migrated, rep.skipped, rep.unreadable_events,
                   rep.kept_aside.size());
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
