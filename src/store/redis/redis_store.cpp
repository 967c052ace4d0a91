// The store's lifecycle, links and statistics; its operations are in redis_store_ops.cpp.
#include "store/redis/redis_store.hpp"

#include <mutex>
#include <string_view>
#include <utility>

#include "core/epoch.hpp"
#include "store/redis/record.hpp"
#include "store/redis/script_replies.hpp"
#include "store/redis/scripts.hpp"

namespace sse::store {

namespace net = boost::asio;
using redis::reply;
using namespace redis_layout;

namespace {

// An operation that meets a legacy stream upgrades it and runs again; one upgrade suffices,
// the bound only stops a bug from spinning.
constexpr int max_legacy_rounds = 3;

// Beyond this many streams the per-node stats forget everything and start over: they are an
// approximation for /metrics, not a second copy of Redis.
constexpr std::size_t max_known_streams = 100'000;

redis::topology_options topology_of(const redis_store_options& o) {
  redis::topology_options t;
  t.connection = o.connection;
  t.cluster_seeds = o.cluster_seeds;
  t.sentinels = o.sentinels;
  t.sentinel_master = o.sentinel_master;
  t.probe = o.probe;
  t.probe_channel = o.prefix + "probe:" + core::make_epoch();
  return t;
}

// Live batches on `{prefix}live:{id}`, decoded once per node and handed to the stream's local
// listeners. Holds only shared state: the subscription may outlive the store briefly.
redis::pubsub_link::message_handler live_handler(std::shared_ptr<listener_set> registry,
                                                 std::string prefix) {
  return [registry = std::move(registry), prefix = std::move(prefix)](std::string_view channel,
                                                                      std::string_view payload) {
    auto id = stream_id_from(prefix, "live:", channel);
    if (!id || !registry->watched(*id)) {
      return;
    }
    auto msg = parse_live_message(payload);
    if (!msg) {
      return;  // not ours or corrupt: the next resync re-reads the buffer anyway
    }
    if (msg->gone) {
      registry->deliver_gone(*id);
      return;
    }
    auto batch = std::make_shared<stream::event_batch>();
    batch->stream_id = *id;
    batch->epoch = std::string(msg->epoch);
    batch->events.reserve(msg->members.size());
    for (std::string_view m : msg->members) {
      if (auto e = decode_member(m, msg->epoch)) {
        batch->events.push_back(std::move(*e));
      }
    }
    registry->deliver(*id, batch);
  };
}

}  // namespace

redis_store::redis_store(store_limits limits, redis_store_options options,
                         std::vector<executor_type> workers, const core::clock& clock)
    : limits_(limits),
      options_(std::move(options)),
      clock_(clock),
      registry_(std::make_shared<listener_set>()),
      links_(redis::make_links(topology_of(options_), workers, all_scripts())) {
  auto on_message = live_handler(registry_, options_.prefix);
  std::function<void()> on_resync = [registry = registry_] { registry->resync_all(); };
  if (!links_.expiry_channel.empty()) {
    // Redis announces expired keys here: the handler tells them from live batches, and every
    // resubscription asks for the announcements again (Redis may have restarted without
    // notify-keyspace-events in its own configuration, or a promoted replica never had it).
    on_message = with_expiry_events(
        std::move(on_message),
        expiry_handler_context{links_.expiry_channel, options_.prefix, limits_.end_retention,
                               registry_, expired_, links_.commands, tasks_});
    on_resync = [registry = registry_, weak = std::weak_ptr<redis::command_link>(links_.commands),
                 tasks = tasks_, notify = notify_, running = running_]() mutable {
      registry->resync_all();
      tasks.spawn(arm_notifications(weak, notify, running));
    };
  }
  links_.pubsub->set_message_handler(std::move(on_message));
  links_.pubsub->set_resync_handler(std::move(on_resync));
}

redis_store::~redis_store() {
  stop();
}

std::optional<redis::cluster::node_address> redis_store::sentinel_primary() const {
  return links_.primary();
}

std::uint64_t redis_store::probe_failures() const noexcept {
  return links_.pubsub->probe_failures();
}

std::uint64_t redis_store::probes_ok() const noexcept {
  return links_.pubsub->probes_ok();
}

void redis_store::set_availability_handler(std::function<void(bool)> handler) {
  links_.tracker->set_handler(std::move(handler));
}

void redis_store::set_warning_handler(std::function<void(const std::string&)> handler) {
  notify_->warn = std::move(handler);
}

void redis_store::set_unreadable_handler(
    std::function<void(const redis_layout::unreadable_element&)> handler) {
  unreadable_handler_ = std::move(handler);
}

void redis_store::start() {
  links_.commands->start();
  links_.pubsub->start();
  if (!links_.expiry_channel.empty()) {
    *running_ = true;
    tasks_.spawn(enable_expiry_events(links_.commands, links_.pubsub, links_.expiry_channel,
                                      notify_, running_));
  }
}

void redis_store::stop() {
  // Going down on purpose is not an outage: no SseStoreUnavailable at shutdown.
  links_.tracker->set_handler(nullptr);
  *running_ = false;
  registry_->clear();
  links_.commands->stop();
  links_.pubsub->stop();
}

net::awaitable<void> redis_store::join() {
  co_await tasks_.join();
  co_await links_.commands->join();
  co_await links_.pubsub->join();
}

bool redis_store::available() const noexcept {
  return links_.tracker->all_up();
}

std::vector<expired_stream> redis_store::sweep_expired() {
  std::lock_guard lock(expired_->mutex);
  return std::exchange(expired_->streams, {});
}

net::awaitable<result<std::optional<std::string>>> redis_store::expired_epoch(
    std::string stream_id) {
  if (links_.expiry_channel.empty()) {
    co_return std::optional<std::string>{};  // no expiry notifications, so no markers
  }
  co_return co_await read_expiry_marker(*links_.commands,
                                        make_expiry_keys(options_.prefix, stream_id).marker);
}

net::awaitable<result<reply>> redis_store::eval_upgrading(const redis::script& s,
                                                          const std::string& stream_id,
                                                          std::span<const std::string_view> keys,
                                                          std::span<const std::string_view> args) {
  for (int round = 0; round < max_legacy_rounds; ++round) {
    auto r = co_await links_.commands->eval(s, keys, args);
    if (!r) {
      co_return r.error();
    }
    if (r->is_error()) {
      co_return error_of(*r);
    }
    if (tag_of(*r) != "legacy") {
      co_return std::move(*r);
    }
    // Still in the v1.10 layout: upgrade it, then run the operation on the new layout.
    if (auto m = co_await migrate_stream(stream_id); !m) {
      co_return m.error();
    }
  }
  co_return errc::internal;
}

net::awaitable<result<void>> redis_store::wait_for_replicas(std::string_view key) {
  // WAIT covers the writes of the connection it is sent on: exec_on_key(key) takes the same link
  // as the script's (the worker's own connection, or the slot master's in a cluster).
  std::vector<redis::command> wait;
  wait.push_back({"WAIT", std::to_string(options_.wait_replicas),
                  std::to_string(options_.wait_timeout.count())});
  auto replies = co_await links_.commands->exec_on_key(key, std::move(wait));
  if (!replies) {
    co_return replies.error();
  }
  if (replies->size() != 1 || replies->front().to_int().value_or(0) < options_.wait_replicas) {
    co_return errc::store_unavailable;
  }
  co_return result<void>{};
}

redis_store::compression_stats redis_store::compression() const noexcept {
  return {bytes_in_.load(std::memory_order_relaxed), bytes_stored_.load(std::memory_order_relaxed)};
}

migration_context redis_store::migration() const {
  return migration_context{*links_.commands,
                           options_.prefix,
                           limits_,
                           options_.compress_min_bytes,
                           options_.compression_level,
                           clock_,
                           unreadable_handler_};
}

net::awaitable<result<migration_report>> redis_store::migrate_all(std::size_t batch) {
  co_return co_await migrate_all_legacy(migration(), batch);
}

net::awaitable<result<migrate_outcome>> redis_store::migrate_stream(std::string stream_id) {
  co_return co_await migrate_legacy_stream(migration(), std::move(stream_id));
}

void redis_store::remember(const std::string& stream_id, std::int64_t events, std::int64_t bytes) {
  std::lock_guard lock(stats_mu_);
  if (known_.size() >= max_known_streams && known_.count(stream_id) == 0) {
    known_.clear();
  }
  known_[stream_id] = {events, bytes};
}

void redis_store::forget(const std::string& stream_id) {
  std::lock_guard lock(stats_mu_);
  known_.erase(stream_id);
}

store_stats redis_store::stats() const noexcept {
  store_stats s;
  s.streams = static_cast<std::int64_t>(registry_->stream_count());
  s.probes = probe_stats{probes_ok(), probe_failures()};
  std::lock_guard lock(stats_mu_);
  for (const auto& [id, v] : known_) {
    s.events_buffered += v.first;
    s.bytes_buffered += v.second;
  }
  return s;
}

}  // namespace sse::store
