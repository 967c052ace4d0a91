#include "app/store_factory.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

#include "app/startup_summary.hpp"
#include "redis/cluster/cluster_url.hpp"
#include "redis/config.hpp"
#include "redis/link_report.hpp"
#include "redis/sentinel/sentinel_url.hpp"
#include "store/memory/memory_store.hpp"
#include "store/redis/lease.hpp"
#include "store/redis/redis_store.hpp"
#include "telemetry/names.hpp"

namespace sse::app {
namespace {

built_store make_redis_store(const store_context& ctx) {
  store::redis_store_options options;
  if (ctx.cfg.store.starts_with("redis-cluster://")) {
    auto url = redis::cluster::parse_cluster_url(ctx.cfg.store);
    if (!url) {
      throw std::runtime_error(
          "--store: malformed redis-cluster URL (expected "
          "redis-cluster://[:password@]host:port[,host:port...])");
    }
    options.connection = url->connection;
    options.cluster_seeds = url->seeds;
  } else if (ctx.cfg.store.starts_with("redis-sentinel://")) {
    auto url = redis::sentinel::parse_sentinel_url(ctx.cfg.store);
    if (!url) {
      throw std::runtime_error(
          "--store: malformed redis-sentinel URL (expected "
          "redis-sentinel://[:password@]host:port[,host:port...]/master-name[/db])");
    }
    options.connection = url->connection;
    options.sentinels = url->sentinels;
    options.sentinel_master = url->master_name;
  } else {
    auto url = redis::parse_redis_url(ctx.cfg.store);
    if (!url) {
      // The URL is not echoed: it may hold a password.
      throw std::runtime_error(
          "--store: malformed redis URL (expected redis://[:password@]host:port[/db])");
    }
    options.connection = *url;
  }
  options.connection.client_name = "sse-gateway:" + ctx.cfg.node_id;
  // Every connection of the store (commands, subscription, cluster nodes) reports here.
  auto report = std::make_shared<redis::link_report>();
  report->set_handler([](const std::string& address, const std::string& reason) {
    spdlog::warn("redis {}: {}", address, reason);
  });
  options.connection.report = report;
  options.prefix = ctx.cfg.redis_prefix;
  options.compress_min_bytes = ctx.cfg.compress_min_bytes;
  options.wait_replicas = static_cast<int>(ctx.cfg.redis_wait_replicas);
  options.probe.interval = ctx.cfg.redis_probe_interval;
  options.probe.timeout = ctx.cfg.redis_probe_timeout;
  options.connection.ready_timeout = ctx.cfg.redis_ready_timeout;
  auto redis =
      std::make_unique<store::redis_store>(limits_from(ctx.cfg), options, ctx.workers, ctx.clock);

  redis->set_warning_handler([](const std::string& text) { spdlog::warn("{}", text); });

  // The first "up" is the start, not a recovery, and our own stop() is not an outage: only
  // an outage and the recovery after it are reported.
  struct availability_state {
    std::atomic<bool> down{false};
    std::atomic<bool> stopping{false};
    // The last reported state, for wait_available. Its own flag rather than available(): the
    // handler runs under the tracker's lock, so a waiter holding `mu` must not take that lock.
    std::mutex mu;
    std::condition_variable changed;
    bool up = false;                  // guarded by mu
    std::function<void()> on_change;  // set before start(), then only read
  };
  auto state = std::make_shared<availability_state>();
  const std::string where = redact_store_url(ctx.cfg.store);
  redis->set_availability_handler([&sink = ctx.sink, state, report, where](bool up) {
    {
      std::lock_guard lock(state->mu);
      state->up = up;
    }
    state->changed.notify_all();
    if (state->on_change) {
      state->on_change();
    }
    if (state->stopping.load()) {
      return;
    }
    if (!up) {
      state->down.store(true);
      // The reason of the outage itself comes from the reconnects (the report's handler).
      const std::string last = report->last();
      spdlog::warn("redis store {} unavailable{}", where,
                   last.empty() ? "" : " (last failure: " + last + ")");
      sink.emit(telemetry::event{std::string(telemetry::names::store_unavailable), {}, {}, 0});
    } else if (state->down.exchange(false)) {
      spdlog::info("redis store {} recovered", where);
      sink.emit(telemetry::event{std::string(telemetry::names::store_recovered), {}, {}, 0});
    }
  });

  // Data the upgrade could not read is kept, and said so loudly: operators decide what to do
  // with the quarantine key before it expires.
  redis->set_unreadable_handler([&sink =
                                     ctx.sink](const store::redis_layout::unreadable_element& e) {
    spdlog::warn(
        "stream {}: v1.10 buffer element {} ({} bytes, seqs {}-{}) cannot be decoded; "
        "kept aside in {}",
        e.stream_id, e.index, e.bytes, e.seqs.from, e.seqs.to, e.quarantine_key);
    telemetry::event ev{std::string(telemetry::names::migration_unreadable), e.stream_id, {}, 0};
    ev.fields["index"] = e.index;
    ev.fields["from_seq"] = e.seqs.from;
    ev.fields["to_seq"] = e.seqs.to;
    ev.fields["bytes"] = e.bytes;
    ev.fields["quarantine"] = e.quarantine_key;
    sink.emit(std::move(ev));
  });

  built_store out;
  store::redis_store* r = redis.get();
  out.start = [r] { r->start(); };
  out.stop = [r, state] {
    state->stopping.store(true);
    r->stop();
  };
  out.join = [r, ex = ctx.workers.front()](std::chrono::milliseconds limit) {
    auto joined = boost::asio::co_spawn(ex, r->join(), boost::asio::use_future);
    return joined.wait_for(limit) == std::future_status::ready;
  };
  out.tick = [r, &m = ctx.metrics] {
    const auto c = r->compression();
    m.compress_input_bytes_total.store(c.bytes_in, std::memory_order_relaxed);
    m.compress_output_bytes_total.store(c.bytes_stored, std::memory_order_relaxed);
  };
  out.problem = [report] { return report->last(); };
  out.wait_available = [state](std::chrono::milliseconds limit) {
    std::unique_lock lock(state->mu);
    return state->changed.wait_for(lock, limit, [&] { return state->up; });
  };
  out.on_availability = [state](std::function<void()> on_change) {
    state->on_change = std::move(on_change);
  };
  out.make_lease = [r, &clock = ctx.clock](const std::string& node_id,
                                           std::chrono::milliseconds ttl) {
    return std::make_shared<store::redis_lease>(r->commands(), r->options().prefix, node_id, ttl,
                                                &clock);
  };
  out.store = std::move(redis);
  return out;
}

}  // namespace

store::store_limits limits_from(const config::config& cfg) {
  store::store_limits l;
  l.buffer_limit = cfg.buffer_limit;
  l.buffer_max_bytes = cfg.buffer_max_bytes;
  l.ttl = cfg.ttl;
  l.end_retention = cfg.end_retention;
  return l;
}

built_store make_store(const store_context& ctx) {
  if (ctx.cfg.store == "memory") {
    built_store out;
    out.store = std::make_unique<store::memory_store>(limits_from(ctx.cfg), ctx.clock);
    return out;
  }
  if (ctx.cfg.store.starts_with("redis://") || ctx.cfg.store.starts_with("redis-cluster://") ||
      ctx.cfg.store.starts_with("redis-sentinel://")) {
    return make_redis_store(ctx);
  }
  throw std::runtime_error(
      "unknown store \"" + ctx.cfg.store +
      "\" (expected memory, redis://host:port, redis-cluster://host:port[,...] or "
      "redis-sentinel://host:port[,...]/master-name)");
}

}  // namespace sse::app
